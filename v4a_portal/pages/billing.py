"""`/billing`: balance, credit packs and plans, the subscription, payment history."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.empty_state import empty_state
from v4a_portal.components.template import template
from v4a_portal.state import billing_text
from v4a_portal.state.billing import BillingState as S
from v4a_portal.state.billing import PaymentRow, ProductCard


def _label(text: str) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray", weight="medium")


def _heading() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Billing", size="7"),
            rx.cond(
                S.test_mode,
                rx.badge("Test mode", color_scheme="amber", variant="surface", id="test-mode"),
            ),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.text(
            "Buy credits when you need them, or subscribe for a monthly allowance.",
            color_scheme="gray",
        ),
        rx.cond(S.test_mode, rx.text(billing_text.TEST_MODE, size="1", color_scheme="gray")),
        spacing="1",
    )


def _checkout_banner() -> rx.Component:
    return rx.match(
        S.checkout,
        (
            "waiting",
            rx.callout.root(
                rx.callout.icon(rx.spinner(size="2")),
                rx.callout.text(S.checkout_note),
                color_scheme="blue",
                variant="surface",
                role="status",
                id="checkout-status",
            ),
        ),
        (
            "done",
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-check", size=16)),
                rx.callout.text(S.checkout_note),
                color_scheme="grass",
                variant="surface",
                role="status",
                id="checkout-status",
            ),
        ),
        (
            "canceled",
            rx.callout.root(
                rx.callout.icon(rx.icon("info", size=16)),
                rx.callout.text(S.checkout_note),
                color_scheme="gray",
                variant="surface",
                role="status",
                id="checkout-status",
            ),
        ),
        rx.fragment(),
    )


def _error() -> rx.Component:
    return rx.cond(
        S.error != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert", size=16)),
            rx.callout.text(S.error),
            color_scheme="red",
            variant="soft",
            role="alert",
            id="billing-error",
        ),
    )


def _balance() -> rx.Component:
    return rx.card(
        rx.vstack(
            _label("Balance"),
            rx.hstack(
                rx.text(S.credits, size="8", weight="bold", id="billing-balance"),
                rx.text("credits", size="3", color_scheme="gray"),
                align="baseline",
                spacing="2",
            ),
            rx.text(S.bonus, size="1", color_scheme="gray", id="daily-bonus"),
            spacing="1",
        ),
        size="3",
    )


def _subscription() -> rx.Component:
    manage = rx.button(
        rx.icon("settings", size=15),
        "Manage subscription",
        on_click=S.manage,
        loading=S.busy == "portal",
        variant="soft",
        size="2",
        id="manage-subscription",
    )
    return rx.card(
        rx.vstack(
            _label("Subscription"),
            rx.cond(
                S.plan_name != "",
                rx.vstack(
                    rx.hstack(
                        rx.text(S.plan_name, " plan", size="5", weight="bold", id="plan-name"),
                        rx.badge(S.sub_status, color_scheme=S.sub_color, id="plan-status"),
                        align="center",
                        spacing="2",
                        wrap="wrap",
                    ),
                    rx.text(S.sub_when, size="2", color_scheme="gray", id="plan-when"),
                    spacing="1",
                ),
                rx.text("No subscription", size="4", weight="medium", id="plan-name"),
            ),
            rx.cond(
                S.past_due,
                rx.callout.root(
                    rx.callout.icon(rx.icon("triangle-alert", size=16)),
                    rx.callout.text(
                        "The last renewal payment failed. Update your card in "
                        "Manage subscription to keep your plan."
                    ),
                    color_scheme="tomato",
                    size="1",
                    id="past-due",
                ),
            ),
            rx.cond(S.can_manage, manage),
            spacing="2",
        ),
        size="3",
    )


def _buy_button(product: ProductCard, label: str) -> rx.Component:
    return rx.button(
        label,
        on_click=S.buy(product.code),  # type: ignore[operator]
        loading=S.busy == product.code,
        disabled=S.busy != "",
        size="2",
        width="100%",
        id="buy-" + product.code,
    )


def _product(product: ProductCard, plan: bool) -> rx.Component:
    action = (
        rx.cond(
            product.current,
            rx.badge("Your plan", color_scheme="grass", size="2", id="current-" + product.code),
            rx.cond(
                S.plan_name != "",
                _buy_button(product, "Change plan"),
                _buy_button(product, "Subscribe"),
            ),
        )
        if plan
        else _buy_button(product, "Buy")
    )
    return rx.card(
        rx.vstack(
            rx.text(product.name if plan else "Credit pack", size="2", color_scheme="gray"),
            rx.hstack(
                rx.text(product.credits, size="6", weight="bold"),
                rx.text("credits" + (" a month" if plan else ""), size="2", color_scheme="gray"),
                align="baseline",
                spacing="1",
            ),
            rx.text(product.price, size="4", weight="medium"),
            rx.text(product.per_dollar, size="1", color_scheme="gray"),
            action,
            spacing="2",
            align="start",
            width="100%",
        ),
        size="2",
        id="product-" + product.code,
    )


def _products() -> rx.Component:
    return rx.vstack(
        rx.heading("Credit packs", size="4"),
        rx.grid(
            rx.foreach(S.packs, lambda p: _product(p, False)),
            columns=rx.breakpoints(initial="1", xs="2", md="3"),
            spacing="3",
            width="100%",
        ),
        rx.heading("Monthly plans", size="4", margin_top="12px"),
        rx.text(
            "A plan adds its credits every month it renews; cancel any time, it runs to the "
            "end of the month you paid for.",
            size="2",
            color_scheme="gray",
        ),
        rx.grid(
            rx.foreach(S.plans, lambda p: _product(p, True)),
            columns=rx.breakpoints(initial="1", xs="2"),
            spacing="3",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _payment(row: PaymentRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(row.what, weight="medium", size="2"),
            rx.text(row.when, size="1", color_scheme="gray"),
            rx.cond(row.refunded != "", rx.text(row.refunded, size="1", color_scheme="gray")),
            spacing="0",
            flex="1 1 180px",
            min_width="0",
        ),
        rx.hstack(
            rx.text(row.amount, size="2", style={"fontVariantNumeric": "tabular-nums"}),
            rx.text(row.credits, size="2", color_scheme="grass", min_width="64px"),
            rx.badge(row.status, color_scheme=row.status_color),
            rx.cond(
                row.receipt_href != "",
                rx.link("Receipt", href=row.receipt_href, is_external=True, size="2"),
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="8px 16px",
        padding_y="10px",
        border_top=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="payment-row",
    )


def _history() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Payment history", size="4"),
            rx.cond(
                S.payments.length() > 0,
                rx.box(rx.foreach(S.payments, _payment), width="100%", id="payments"),
                empty_state("receipt", "No payments yet", "Packs and plans you buy show here."),
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


@template(routes.BILLING, "Billing", on_load=S.load)
def billing() -> rx.Component:
    return rx.vstack(
        _heading(),
        _checkout_banner(),
        _error(),
        rx.grid(
            _balance(),
            _subscription(),
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="4",
            width="100%",
        ),
        _products(),
        _history(),
        spacing="5",
        width="100%",
    )
