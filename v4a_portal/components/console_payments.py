"""The Payments tab of the console's user page: subscription, payments, staff refunds."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal.components.confirm_dialog import confirm_dialog, description
from v4a_portal.components.console_frame import error_callout, fact, success_callout
from v4a_portal.components.empty_state import empty_state
from v4a_portal.state.console_base import handler, may
from v4a_portal.state.console_payments import ConsolePaymentsState as S
from v4a_portal.state.console_payments import PaymentItem


def _subscription() -> rx.Component:
    return rx.box(
        rx.cond(
            S.has_sub,
            rx.grid(
                fact("Plan", rx.text(S.sub_plan, size="2", weight="medium")),
                fact(
                    "Status",
                    rx.badge(S.sub_status, color_scheme=S.sub_color, width="fit-content"),
                ),
                fact("Renews or ends", rx.cond(S.sub_when != "", S.sub_when, "—")),
                rx.cond(
                    S.sub_past_due,
                    fact(
                        "Payment",
                        rx.text("Past due: the last invoice failed", color_scheme="red", size="2"),
                    ),
                ),
                columns=rx.breakpoints(initial="2", md="4"),
                spacing="4",
                width="100%",
            ),
            rx.text("No subscription.", size="2", color_scheme="gray"),
        ),
        padding="12px",
        border_radius="8px",
        background=rx.color("gray", 2),
        width="100%",
        id="user-subscription",
    )


def _refund_dialog(row: ObjectVar[PaymentItem]) -> rx.Component:
    form = rx.vstack(
        description(
            "Refunds through Stripe. The credits come back out of the balance when Stripe "
            "confirms the refund, never below zero; the reason goes to the audit log."
        ),
        rx.text(S.refund_what, " · ", S.refund_left, " left to refund", size="2", weight="medium"),
        rx.vstack(
            rx.text("Amount (USD)", size="1", weight="medium"),
            rx.input(
                value=S.refund_amount,
                on_change=handler(S.set_refund_amount).debounce(250),
                placeholder="e.g. 5.00",
                aria_label="Refund amount",
                inputmode="decimal",
                width="100%",
            ),
            rx.text(
                "The whole amount left refunds the payment in full.",
                size="1",
                color_scheme="gray",
            ),
            spacing="1",
            width="100%",
        ),
        rx.text_area(
            value=S.refund_reason,
            on_change=handler(S.set_refund_reason),
            placeholder="Why (required), e.g. ticket #1234",
            aria_label="Reason",
            rows="2",
            width="100%",
        ),
        rx.cond(
            S.refund_error != "",
            rx.text(S.refund_error, color_scheme="red", size="2", id="refund-error"),
        ),
        spacing="3",
        width="100%",
        margin_top="8px",
    )
    return confirm_dialog(
        rx.button(
            rx.icon("undo-2", size=14),
            "Refund",
            on_click=handler(S.open_refund)(row.id),
            variant="soft",
            color_scheme="red",
            size="1",
            id=f"refund-{row.id}",
        ),
        "Refund this payment?",
        form,
        rx.button(
            "Refund",
            on_click=S.confirm_refund,
            disabled=~S.refund_ready,
            color_scheme="red",
            id="confirm-refund",
        ),
        max_width="440px",
    )


def _payment(row: ObjectVar[PaymentItem]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(row.what, size="2", weight="medium"),
                    rx.badge(row.status, color_scheme=row.status_color, class_name="pay-status"),
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    row.when,
                    " · ",
                    row.amount,
                    " · ",
                    row.credits,
                    " credits",
                    size="1",
                    color_scheme="gray",
                ),
                rx.cond(
                    row.refunded != "",
                    rx.text(row.refunded, size="1", class_name="pay-refunded"),
                ),
                rx.cond(
                    row.shortfall != "",
                    rx.text(
                        row.shortfall, size="1", color_scheme="red", class_name="pay-shortfall"
                    ),
                ),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(
                    row.receipt_href != "",
                    rx.link("Receipt", href=row.receipt_href, is_external=True, size="2"),
                ),
                rx.cond(may("payments.refund") & row.refundable, _refund_dialog(row)),
                align="center",
                spacing="3",
            ),
            gap="8px",
            wrap="wrap",
            align="center",
            width="100%",
        ),
        width="100%",
        id=f"payment-{row.id}",
    )


def console_payments() -> rx.Component:
    """The tab's content; it reads the user's billing when it is shown."""
    return rx.vstack(
        error_callout(S.pay_error, "payments-error"),
        success_callout(S.refund_done, "refund-done"),
        rx.cond(
            S.waiting,
            rx.hstack(
                rx.spinner(size="1"),
                rx.text("Waiting for Stripe to confirm the refund…", size="2"),
                align="center",
                id="refund-waiting",
            ),
        ),
        rx.cond(
            S.test_mode,
            rx.badge("Stripe test mode", color_scheme="amber", variant="soft"),
        ),
        rx.heading("Subscription", size="3"),
        _subscription(),
        rx.heading("Payments", size="3"),
        rx.cond(
            S.pay_loading,
            rx.center(rx.spinner(size="3"), padding_y="32px", width="100%"),
            rx.cond(
                S.payments.length() > 0,
                rx.vstack(rx.foreach(S.payments, _payment), spacing="2", width="100%"),
                empty_state("credit-card", "No payments", "This user has not bought anything."),
            ),
        ),
        spacing="3",
        width="100%",
        min_width="0",
        on_mount=S.load,
        id="user-payments",
    )
