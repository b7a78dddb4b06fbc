"""`/account`: the balance and every credit change, newest first."""

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal import routes
from v4a_portal.components.badges import credit_change, role_badge
from v4a_portal.components.empty_state import empty_state
from v4a_portal.components.pager import pager
from v4a_portal.components.template import template
from v4a_portal.state.account import AccountState, LedgerRow


def _summary() -> rx.Component:
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.text("Balance", size="2", color_scheme="gray", weight="medium"),
                rx.hstack(
                    rx.text(AccountState.credits, size="8", weight="bold", id="account-balance"),
                    rx.text("credits", size="3", color_scheme="gray"),
                    align="baseline",
                    spacing="2",
                ),
                spacing="1",
            ),
            size="3",
        ),
        rx.card(
            rx.vstack(
                rx.text("Signed in as", size="2", color_scheme="gray", weight="medium"),
                rx.hstack(
                    rx.text(AccountState.user_name, size="4", weight="bold"),
                    role_badge(AccountState.role, AccountState.role_label),
                    align="center",
                    spacing="2",
                ),
                rx.text(AccountState.user_email, size="2", color_scheme="gray"),
                spacing="1",
            ),
            size="3",
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="4",
        width="100%",
    )


def _dash_if_empty(value: rx.Var) -> rx.Var:
    return rx.cond(value != "", value, "—")


def _reference(row: ObjectVar[LedgerRow]) -> rx.Component:
    """What the entry was for: a link to it where it can be opened."""
    return rx.cond(
        row.reference_url != "",
        rx.link(row.reference, href=row.reference_url, size="2", class_name="ledger-reference"),
        rx.text(_dash_if_empty(row.reference), size="2", class_name="ledger-reference"),
    )


def _entry(row: ObjectVar[LedgerRow]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.when, size="2", color_scheme="gray", white_space="nowrap")),
        rx.table.row_header_cell(rx.text(row.kind, weight="medium")),
        rx.table.cell(credit_change(row.delta, row.is_credit), justify="end"),
        rx.table.cell(row.balance_after, justify="end"),
        rx.table.cell(_reference(row)),
        rx.table.cell(rx.text(_dash_if_empty(row.note), size="2", color_scheme="gray")),
        align="center",
    )


def _entry_card(row: ObjectVar[LedgerRow]) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.text(row.kind, weight="medium", size="2"),
                _reference(row),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.vstack(
                credit_change(row.delta, row.is_credit),
                rx.text("Balance ", row.balance_after, size="1", color_scheme="gray"),
                align="end",
                spacing="1",
                flex_shrink="0",
            ),
            align="start",
            width="100%",
        ),
        rx.text(row.when, size="1", color_scheme="gray", margin_top="4px"),
        rx.cond(row.note != "", rx.text(row.note, size="1", color_scheme="gray")),
        padding_y="10px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="ledger-card",
    )


def _history() -> rx.Component:
    table = rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("When"),
                rx.table.column_header_cell("Activity"),
                rx.table.column_header_cell("Change", justify="end"),
                rx.table.column_header_cell("Balance after", justify="end"),
                rx.table.column_header_cell("For"),
                rx.table.column_header_cell("Note"),
            ),
        ),
        rx.table.body(rx.foreach(AccountState.entries, _entry)),
        variant="ghost",
        size="2",
        width="100%",
        id="ledger-table",
    )
    # Narrow screens get one card per entry: the amount stays in sight.
    entries = rx.box(
        rx.box(table, display=["none", "none", "block"]),
        rx.vstack(
            rx.foreach(AccountState.entries, _entry_card),
            spacing="2",
            width="100%",
            display=["flex", "flex", "none"],
            id="ledger-cards",
        ),
        width="100%",
    )
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Credit history", size="4"),
                rx.cond(AccountState.loading, rx.spinner(size="2")),
                align="center",
                spacing="3",
            ),
            rx.cond(
                AccountState.total > 0,
                rx.box(entries, pager(AccountState), width="100%"),
                rx.cond(
                    AccountState.loading,
                    rx.skeleton(height="120px", width="100%"),
                    empty_state(
                        "receipt",
                        "No credit activity yet",
                        "Credits you receive and spend will show up here.",
                    ),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


@template(routes.ACCOUNT, "Account", on_load=AccountState.load)
def account() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Your account", size="7"),
            rx.text("Your credit balance and everything that changed it.", color_scheme="gray"),
            spacing="1",
        ),
        _summary(),
        _history(),
        spacing="6",
        width="100%",
    )
