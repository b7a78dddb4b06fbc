"""`/console/audit`: every staff action, filtered, keyset-paged, exportable as CSV."""

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal import routes
from v4a_portal.components.console_frame import console_page, error_callout, loading_card
from v4a_portal.components.empty_state import empty_state
from v4a_portal.components.template import template
from v4a_portal.state.console_audit import ACTION_LABELS, ANY, WINDOWS, AuditItem
from v4a_portal.state.console_audit import ConsoleAuditState as S
from v4a_portal.state.console_base import handler


def _label(text: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(text, size="1", color_scheme="gray", weight="medium"),
        control,
        spacing="1",
        min_width="0",
    )


def _select(name: str, label: str, value: rx.Var, options: list[tuple[str, str]]) -> rx.Component:
    return _label(
        label,
        rx.select.root(
            rx.select.trigger(width="100%", aria_label=label),
            rx.select.content(
                rx.select.item(f"Any {label.lower()}", value=ANY),
                *[rx.select.item(text, value=key) for key, text in options],
            ),
            value=value,
            on_change=lambda v: handler(S.set_filter)(name, v),
        ),
    )


def _id_input(name: str, label: str, value: rx.Var) -> rx.Component:
    return _label(
        label,
        rx.debounce_input(
            rx.input(
                value=value,
                on_change=lambda v: handler(S.set_filter)(name, v),
                placeholder="Any (user id)",
                aria_label=label,
                inputmode="numeric",
            ),
            debounce_timeout=400,
        ),
    )


def _filters() -> rx.Component:
    return rx.grid(
        _id_input("actor", "Actor", S.actor),
        _select("action", "Action", S.action, list(ACTION_LABELS.items())),
        _id_input("target", "Target user", S.target),
        _select("window", "Time", S.window, [(k, v[0]) for k, v in WINDOWS.items()]),
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="3",
        width="100%",
        id="audit-filters",
    )


def _entry(row: ObjectVar[AuditItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.hstack(
                    rx.badge(row.action_label, variant="soft", color_scheme="indigo"),
                    rx.cond(
                        row.target_url != "",
                        rx.link(row.target, href=row.target_url, size="2", word_break="break-all"),
                        rx.text(row.target, size="2"),
                    ),
                    align="center",
                    wrap="wrap",
                ),
                rx.spacer(),
                rx.text(row.when, size="1", color_scheme="gray", white_space="nowrap"),
                gap="8px",
                wrap="wrap",
                width="100%",
            ),
            rx.cond(row.change != "", rx.code(row.change, size="1", word_break="break-all")),
            rx.cond(row.reason != "", rx.text("“", row.reason, "”", size="2")),
            rx.text(
                "by ",
                rx.cond(
                    row.actor_url != "",
                    rx.link(row.actor, href=row.actor_url),
                    rx.text.em(row.actor),
                ),
                rx.cond(row.origin != "", f" · {row.origin}", ""),
                size="1",
                color_scheme="gray",
                word_break="break-all",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="audit-entry",
        custom_attrs={"data-action": row.action},
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text("Page ", S.page_number, size="2", color_scheme="gray", id="audit-page"),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Newer",
                on_click=S.newer,
                disabled=S.page_number <= 1,
                variant="soft",
                color_scheme="gray",
            ),
            rx.button(
                "Older",
                rx.icon("chevron-right", size=16),
                on_click=S.older,
                disabled=~S.has_older,
                variant="soft",
                color_scheme="gray",
            ),
            spacing="2",
        ),
        justify="between",
        align="center",
        width="100%",
    )


def _list() -> rx.Component:
    return rx.cond(
        S.entries.length() > 0,
        rx.vstack(
            rx.foreach(S.entries, _entry), _pager(), spacing="2", width="100%", id="audit-list"
        ),
        rx.card(
            empty_state(
                "scroll-text",
                "No staff actions",
                rx.cond(
                    S.filtered,
                    "Nothing matches these filters.",
                    "Nothing has been done by staff yet.",
                ),
            ),
            width="100%",
            id="audit-empty",
        ),
    )


@template(
    routes.CONSOLE_AUDIT, "Audit log · Console", permission="console.view", on_load=handler(S.load)
)
def console_audit() -> rx.Component:
    return console_page(
        "Audit log",
        rx.cond(
            S.sees_all,
            "Every staff action: who, what, to whom, before and after, why, from where.",
            "Your own actions and those on the users you opened.",
        ),
        error_callout(S.load_error),
        rx.cond(
            S.allowed,
            rx.vstack(
                rx.card(_filters(), width="100%"),
                rx.hstack(
                    rx.cond(S.loading, rx.spinner(size="2")),
                    rx.spacer(),
                    rx.cond(
                        S.filtered,
                        rx.button("Clear filters", on_click=S.clear_filters, variant="ghost"),
                    ),
                    width="100%",
                    align="center",
                ),
                _list(),
                spacing="3",
                width="100%",
            ),
            loading_card(),
        ),
        # A plain anchor: the API serves the file (the app's router would not).
        actions=rx.button(
            rx.el.a(
                rx.icon("download", size=15),
                "Export CSV",
                href=S.csv_url,
                download="audit-log.csv",
                id="audit-csv",
            ),
            as_child=True,
            variant="soft",
        ),
    )
