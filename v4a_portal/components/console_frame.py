"""What every console page shares under the header: the eyebrow, title and intro, the
console's own navigation (only the sections this role may open), and the states a
loading, failed or empty page shows."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

from v4a_portal import routes
from v4a_portal.state.auth import AuthState
from v4a_portal.state.console_base import may

# (label, icon, route, permission): the console's sections, in the order they are shown.
SECTIONS = [
    ("Overview", "layout-dashboard", routes.CONSOLE, "console.view"),
    ("Users", "users", routes.CONSOLE_USERS, "users.view"),
    ("Clips", "clapperboard", routes.CONSOLE_CLIPS, "clips.view"),
    ("Queues", "server", routes.CONSOLE_QUEUES, "queues.view"),
    ("Audit log", "scroll-text", routes.CONSOLE_AUDIT, "audit.view_own"),
]


def may_open(permission: str) -> Var[bool]:
    if permission == "audit.view_own":  # admins read all of it, support its own part
        return may("audit.view") | may("audit.view_own")
    return may(permission)


def _section_link(label: str, icon: str, href: str) -> rx.Component:
    here = AuthState.router.route_id
    active = (here == href) | ((href == routes.CONSOLE_USERS) & (here == routes.CONSOLE_USER))
    return rx.link(
        rx.hstack(rx.icon(icon, size=14), rx.text(label), align="center", spacing="1"),
        href=href,
        underline="none",
        size="2",
        weight="medium",
        color_scheme=rx.cond(active, "indigo", "gray"),
        high_contrast=~active,
        padding_x="10px",
        padding_y="6px",
        border_radius="6px",
        background=rx.cond(active, rx.color("indigo", 3), "transparent"),
        white_space="nowrap",
    )


def console_nav() -> rx.Component:
    return rx.el.nav(
        rx.flex(
            *[
                rx.cond(may_open(permission), _section_link(label, icon, href))
                for label, icon, href, permission in SECTIONS
            ],
            wrap="wrap",
            gap="4px",
        ),
        aria_label="Console",
        id="console-nav",
        padding_bottom="12px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
    )


def console_page(
    title: str | Var[str],
    intro: str | Var[str],
    *children: rx.Component,
    actions: rx.Component | None = None,
) -> rx.Component:
    heading = rx.vstack(
        rx.text("Console", size="2", color_scheme="indigo", weight="medium"),
        rx.heading(title, size="7", id="console-title"),
        rx.text(intro, color_scheme="gray"),
        spacing="1",
        min_width="0",
    )
    return rx.vstack(
        console_nav(),
        rx.flex(
            heading,
            rx.spacer(),
            actions or rx.fragment(),
            align="end",
            wrap="wrap",
            gap="12px",
            width="100%",
        ),
        *children,
        spacing="5",
        width="100%",
        min_width="0",
    )


def loading_card(height: str = "240px") -> rx.Component:
    return rx.card(rx.skeleton(height=height, width="100%"), size="3", width="100%")


def error_callout(message: Var[str], id_: str = "console-error") -> rx.Component:
    """A failed read or a refused action, in the words of state/messages.py."""
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.callout.text(message),
            color_scheme="red",
            variant="surface",
            role="alert",
            id=id_,
            width="100%",
        ),
    )


def success_callout(message: Var[str], id_: str = "console-done") -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-check", size=16)),
            rx.callout.text(message),
            color_scheme="green",
            variant="surface",
            role="status",
            id=id_,
            width="100%",
        ),
    )


def fact(label: str, value: rx.Component | Var | str) -> rx.Component:
    """A labelled value in a detail grid."""
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", weight="medium"),
        value if isinstance(value, rx.Component) else rx.text(value, size="2"),
        spacing="1",
        min_width="0",
    )
