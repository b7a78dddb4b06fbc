"""`/console/users`: the staff console's user list (users.view)."""

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal import routes
from v4a_portal.components.badges import role_badge
from v4a_portal.components.console_frame import console_page, loading_card
from v4a_portal.components.empty_state import empty_state
from v4a_portal.components.pager import pager
from v4a_portal.components.template import template
from v4a_portal.state.console_base import handler
from v4a_portal.state.console_users import PERMISSION, ConsoleUsersState, UserRow

# Columns that give way on a phone: email, credits and role stay.
_WIDE = ["none", "none", "table-cell"]


def _sort_header(
    label: str, column: str, *, end: bool = False, display: list[str] | None = None
) -> rx.Component:
    active = ConsoleUsersState.sort == column
    direction = rx.cond(
        active, rx.cond(ConsoleUsersState.descending, "descending", "ascending"), "none"
    )
    icon = rx.cond(
        active,
        rx.cond(
            ConsoleUsersState.descending,
            rx.icon("arrow-down", size=14),
            rx.icon("arrow-up", size=14),
        ),
        rx.icon("arrow-up-down", size=14, color=rx.color("gray", 8)),
    )
    return rx.table.column_header_cell(
        rx.button(
            label,
            icon,
            on_click=handler(ConsoleUsersState.sort_by)(column),
            variant="ghost",
            color_scheme="gray",
            high_contrast=True,
            size="1",
        ),
        justify="end" if end else "start",
        custom_attrs={"aria-sort": direction},
        display=display,
    )


def _user(row: ObjectVar[UserRow]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row.email, href=row.url, weight="medium", word_break="break-all"),
            rx.cond(row.disabled, rx.badge("Disabled", color_scheme="red", margin_left="6px")),
        ),
        rx.table.cell(rx.cond(row.name != "", row.name, "—"), display=_WIDE),
        rx.table.cell(row.credits, justify="end"),
        rx.table.cell(role_badge(row.role, row.role_label)),
        rx.table.cell(
            rx.text(row.joined, color_scheme="gray", white_space="nowrap"), display=_WIDE
        ),
        align="center",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                _sort_header("Email", "email"),
                _sort_header("Name", "name", display=_WIDE),
                _sort_header("Credits", "credits", end=True),
                _sort_header("Role", "role"),
                _sort_header("Signed up", "created_at", display=_WIDE),
            ),
        ),
        rx.table.body(rx.foreach(ConsoleUsersState.rows, _user)),
        variant="ghost",
        size="2",
        width="100%",
        id="users-table",
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.debounce_input(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                placeholder="Search by email or name",
                value=ConsoleUsersState.query,
                on_change=ConsoleUsersState.set_query,
                type="search",
                size="2",
                width=["100%", "320px"],
                aria_label="Search users",
            ),
            debounce_timeout=300,
        ),
        rx.cond(ConsoleUsersState.loading, rx.spinner(size="2")),
        align="center",
        spacing="3",
        width="100%",
    )


def _results() -> rx.Component:
    no_match = empty_state(
        "search-x",
        "No users found",
        rx.cond(
            ConsoleUsersState.query != "",
            "Nobody's email or name contains “" + ConsoleUsersState.query + "”.",
            "There are no users yet.",
        ),
    )
    return rx.cond(
        ConsoleUsersState.total > 0,
        rx.box(_table(), pager(ConsoleUsersState), width="100%"),
        no_match,
    )


@template(
    routes.CONSOLE_USERS,
    "Users · Console",
    permission=PERMISSION,
    on_load=handler(ConsoleUsersState.load),
)
def console_users() -> rx.Component:
    return console_page(
        "Users",
        "Every account, newest first. Search by email or name; click a column to sort; "
        "open one to see everything about it.",
        rx.cond(
            ConsoleUsersState.allowed,
            rx.card(
                rx.vstack(_toolbar(), _results(), spacing="4", width="100%"),
                size="3",
                width="100%",
            ),
            loading_card(),
        ),
    )
