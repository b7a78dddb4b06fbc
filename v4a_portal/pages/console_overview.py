"""`/console`: today's numbers, and a card for each section this role may open."""

import reflex as rx
from reflex.vars import Var

from v4a_portal import routes
from v4a_portal.components.console_frame import (
    SECTIONS,
    console_page,
    error_callout,
    loading_card,
    may_open,
)
from v4a_portal.components.template import template
from v4a_portal.models import ACTIVE_STATUSES
from v4a_portal.state.console_base import handler
from v4a_portal.state.console_overview import ConsoleOverviewState as S

_ABOUT = {
    routes.CONSOLE_USERS: "Find a customer: balance, ledger, photos, scripts, clips, sign-ins.",
    routes.CONSOLE_CLIPS: "Every clip across users: filter, sort, follow the active ones live.",
    routes.CONSOLE_QUEUES: "RQ queues, workers, failed jobs and throughput, live.",
    routes.CONSOLE_AUDIT: "Who did what to whom, with the reason, and a CSV export.",
}


def _stat(
    label: str, value: Var, icon: str, href: str, color: str, id_: str, permission: str
) -> rx.Component:
    body = rx.hstack(
        rx.center(
            rx.icon(icon, size=18, color=rx.color(color, 11)),
            width="36px",
            height="36px",
            border_radius="8px",
            background=rx.color(color, 3),
            flex_shrink="0",
        ),
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.text(value, size="6", weight="bold", high_contrast=True, id=id_),
            spacing="0",
        ),
        align="center",
        spacing="3",
    )
    return rx.cond(
        may_open(permission),
        rx.link(rx.card(body, width="100%"), href=href, underline="none", color_scheme="gray"),
        rx.card(body, width="100%"),
    )


def _stats() -> rx.Component:
    return rx.grid(
        _stat(
            "Failed clips, last 24 h",
            S.failed_last_24h,
            "circle-x",
            routes.console_clips(status="failed"),
            "red",
            "stat-failed",
            "clips.view",
        ),
        _stat(
            "Clips running",
            S.running,
            "loader",
            routes.console_clips(status=",".join(ACTIVE_STATUSES)),
            "indigo",
            "stat-running",
            "clips.view",
        ),
        _stat(
            "Queue depth",
            S.queue_depth,
            "layers",
            routes.CONSOLE_QUEUES,
            "amber",
            "stat-queue",
            "queues.view",
        ),
        _stat(
            "Adjustments today",
            S.adjustments_today,
            "coins",
            routes.CONSOLE_AUDIT,
            "green",
            "stat-adjustments",
            "audit.view_own",
        ),
        columns=rx.breakpoints(initial="1", xs="2", md="4"),
        spacing="3",
        width="100%",
    )


def _section_card(label: str, icon: str, href: str, permission: str) -> rx.Component:
    return rx.cond(
        may_open(permission),
        rx.link(
            rx.card(
                rx.hstack(
                    rx.icon(icon, size=20, color=rx.color("indigo", 10)),
                    rx.vstack(
                        rx.text(label, weight="medium", size="3"),
                        rx.text(_ABOUT.get(href, ""), size="2", color_scheme="gray"),
                        spacing="1",
                    ),
                    align="start",
                    spacing="3",
                ),
                width="100%",
                height="100%",
            ),
            href=href,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
        ),
    )


@template(routes.CONSOLE, "Console", permission=S.permission, on_load=handler(S.load))
def console_overview() -> rx.Component:
    return console_page(
        "Today",
        "What needs attention now, and where to go next.",
        error_callout(S.load_error),
        rx.cond(S.allowed, _stats(), loading_card("96px")),
        rx.heading("Sections", size="4"),
        rx.grid(
            *[
                _section_card(label, icon, href, permission)
                for label, icon, href, permission in SECTIONS
                if href != routes.CONSOLE
            ],
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
            id="console-sections",
        ),
        actions=rx.button(
            rx.icon("refresh-cw", size=15),
            "Refresh",
            on_click=S.refresh,
            loading=S.loading,
            variant="soft",
            color_scheme="gray",
        ),
    )
