"""`/console/clips`: every clip across users (clips.view), with bulk retry for support."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.confirm_dialog import confirm_dialog, description
from v4a_portal.components.console_clips import clip_item
from v4a_portal.components.console_frame import (
    console_page,
    error_callout,
    loading_card,
    success_callout,
)
from v4a_portal.components.empty_state import empty_state
from v4a_portal.components.pager import pager
from v4a_portal.components.template import template
from v4a_portal.models import ACTIVE_STATUSES
from v4a_portal.state.console_base import handler, may
from v4a_portal.state.console_clips import ANY, SORTS, WINDOWS
from v4a_portal.state.console_clips import ConsoleClipsState as S
from v4a_portal.state.messages import CLIP_STATUS

# The overview links here with every active clip.
_ACTIVE = (",".join(ACTIVE_STATUSES), "Active (queued or generating)")


def _select(name: str, label: str, value: rx.Var, options: list | rx.Var) -> rx.Component:
    items = (
        [rx.select.item(text, value=key) for key, text in options]
        if isinstance(options, list)
        else [rx.foreach(options, lambda o: rx.select.item(o, value=o))]
    )
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"),
        rx.select.root(
            rx.select.trigger(width="100%", aria_label=label),
            rx.select.content(rx.select.item(f"Any {label.lower()}", value=ANY), *items),
            value=value,
            on_change=lambda v: handler(S.set_filter)(name, v),
        ),
        spacing="1",
        min_width="0",
    )


def _filters() -> rx.Component:
    return rx.grid(
        _select("status", "Status", S.status, [*CLIP_STATUS.items(), _ACTIVE]),
        _select("model", "Model", S.model, S.models),
        _select("provider", "Provider", S.provider, S.providers),
        _select("error_code", "Error code", S.error_code, S.error_codes),
        _select("window", "Time", S.window, [(k, v[0]) for k, v in WINDOWS.items()]),
        rx.vstack(
            rx.text("User id", size="1", color_scheme="gray", weight="medium"),
            rx.debounce_input(
                rx.input(
                    value=S.user,
                    on_change=lambda v: handler(S.set_filter)("user", v),
                    placeholder="Any user",
                    aria_label="User id",
                    inputmode="numeric",
                ),
                debounce_timeout=400,
            ),
            spacing="1",
            min_width="0",
        ),
        columns=rx.breakpoints(initial="2", sm="3", md="6"),
        spacing="3",
        width="100%",
        id="clip-filters",
    )


def _sort_bar() -> rx.Component:
    return rx.flex(
        rx.text(S.range_label, size="2", color_scheme="gray", id="clips-range"),
        rx.cond(S.loading, rx.spinner(size="2")),
        rx.spacer(),
        rx.cond(
            S.filtered,
            rx.button("Clear filters", on_click=S.clear_filters, variant="ghost", size="2"),
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Sort by"),
            rx.select.content(*[rx.select.item(f"Sort: {t}", value=k) for k, t in SORTS.items()]),
            value=S.sort,
            on_change=S.set_sort,
            size="2",
        ),
        rx.icon_button(
            rx.cond(
                S.descending, rx.icon("arrow-down-wide-narrow"), rx.icon("arrow-up-narrow-wide")
            ),
            on_click=S.flip_order,
            variant="soft",
            color_scheme="gray",
            aria_label=rx.cond(S.descending, "Newest first", "Oldest first"),
        ),
        align="center",
        gap="8px",
        wrap="wrap",
        width="100%",
    )


def _bulk() -> rx.Component:
    preview = rx.cond(
        S.bulk_count < 0,
        rx.hstack(rx.spinner(size="1"), rx.text("Counting…", size="2"), align="center"),
        rx.callout.root(
            rx.callout.text(
                rx.text.strong(S.bulk_count, " failed clips"),
                " match (not retried before); at their normal prices they cost ",
                rx.text.strong(S.bulk_credits, " credits"),
                ".",
            ),
            color_scheme="indigo",
            variant="surface",
            id="bulk-preview",
        ),
    )
    return confirm_dialog(
        rx.button(
            rx.icon("rotate-cw", size=15), "Bulk retry…", on_click=S.open_bulk, variant="soft"
        ),
        "Retry failed clips in bulk",
        rx.vstack(
            description(
                "Every failed clip matching the provider, model, error code, user and time "
                "filters is retried once with its own model, oldest first."
            ),
            preview,
            rx.radio_group.root(
                rx.radio_group.item("Waived: customers pay nothing", value="waived"),
                rx.radio_group.item(
                    "Charged: customers short of credits are skipped", value="charged"
                ),
                value=S.bulk_charge,
                on_change=S.set_bulk_charge,
                direction="column",
                spacing="1",
                aria_label="Cost to the customers",
            ),
            rx.text_area(
                value=S.bulk_reason,
                on_change=S.set_bulk_reason,
                placeholder="Why (required), e.g. Veo outage 14:00–14:40",
                aria_label="Reason",
                rows="2",
                width="100%",
            ),
            spacing="3",
            width="100%",
            margin_top="8px",
        ),
        rx.button(
            "Retry ",
            S.bulk_count,
            " clips",
            on_click=S.confirm_bulk,
            disabled=(S.bulk_reason == "") | (S.bulk_count <= 0),
        ),
        max_width="480px",
    )


def _list() -> rx.Component:
    return rx.cond(
        S.total > 0,
        rx.vstack(
            rx.foreach(S.clips, lambda row: clip_item(row, S)),
            pager(S),
            spacing="3",
            width="100%",
            id="clips-list",
        ),
        rx.card(
            empty_state(
                "clapperboard",
                "No clips match",
                rx.cond(S.filtered, "Try fewer filters.", "Nobody has ordered a clip yet."),
            ),
            width="100%",
        ),
    )


@template(routes.CONSOLE_CLIPS, "Clips · Console", permission=S.permission, on_load=handler(S.load))
def console_clips() -> rx.Component:
    return console_page(
        "Clips",
        "Every clip across users. Active ones move live; a clip past its model's time is "
        "flagged stuck.",
        error_callout(S.load_error),
        error_callout(S.clip_error, "clip-error"),
        success_callout(S.clip_done, "clip-done"),
        error_callout(S.bulk_error, "bulk-error"),
        success_callout(S.bulk_done, "bulk-done"),
        rx.cond(
            S.allowed,
            rx.vstack(
                rx.card(_filters(), width="100%"), _sort_bar(), _list(), spacing="3", width="100%"
            ),
            loading_card(),
        ),
        actions=rx.cond(may("videos.bulk_retry"), _bulk()),
    )
