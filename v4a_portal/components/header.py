"""The bar on top of every signed-in page: product, navigation, credits, user, sign-out."""

from __future__ import annotations

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.badges import role_badge
from v4a_portal.state.auth import AuthState


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("clapperboard", size=16, color="white"),
                width="28px",
                height="28px",
                border_radius="8px",
                background=rx.color("indigo", 9),
            ),
            rx.text(
                "V4A Portal", weight="bold", size="4", high_contrast=True, white_space="nowrap"
            ),
            align="center",
            spacing="2",
        ),
        href=routes.HOME,
        underline="none",
        color_scheme="gray",
    )


def _nav_link(*children: rx.Component, href: str, section: str = "") -> rx.Component:
    here = AuthState.router.route_id
    active = here.startswith(section) if section else here == href
    return rx.link(
        rx.hstack(*children, align="center", spacing="1"),
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
    )


def navigation() -> rx.Component:
    return rx.el.nav(
        rx.hstack(
            _nav_link(rx.icon("sparkles", size=15), rx.text("Studio"), href=routes.STUDIO),
            _nav_link(rx.icon("images", size=15), rx.text("Library"), href=routes.LIBRARY),
            _nav_link(rx.icon("wallet", size=15), rx.text("Account"), href=routes.ACCOUNT),
            rx.cond(
                AuthState.can_console,
                # The console's own navigation (components/console_frame.py) shows only
                # the sections this role may open.
                _nav_link(
                    rx.icon("shield", size=15),
                    rx.text("Console"),
                    href=routes.CONSOLE,
                    section=routes.CONSOLE,
                ),
            ),
            spacing="1",
            align="center",
            wrap="wrap",  # staff have four links: on a phone they take two lines
        ),
        aria_label="Main",
    )


def credits_pill() -> rx.Component:
    return rx.badge(
        rx.icon("coins", size=14),
        rx.text(AuthState.credits, " credits", id="header-credits"),
        color_scheme="amber",
        variant="soft",
        size="2",
        radius="full",
    )


def user_block() -> rx.Component:
    return rx.hstack(
        rx.avatar(
            src=AuthState.user_picture,
            fallback=AuthState.initials,
            size="2",
            radius="full",
            # Google's picture URLs may refuse requests that carry a referrer.
            custom_attrs={"referrerPolicy": "no-referrer"},
        ),
        rx.vstack(
            rx.hstack(
                rx.text(AuthState.user_name, size="2", weight="medium", id="header-user-name"),
                role_badge(AuthState.role, AuthState.role_label),
                align="center",
                spacing="2",
            ),
            rx.text(AuthState.user_email, size="1", color_scheme="gray", id="header-user-email"),
            spacing="0",
            # The avatar stands for the user on narrow screens.
            display=["none", "none", "flex"],
        ),
        align="center",
        spacing="2",
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.flex(
            rx.flex(brand(), navigation(), align="center", wrap="wrap", gap="8px 24px"),
            rx.spacer(),
            rx.hstack(
                credits_pill(),
                rx.link(
                    "Billing", href=routes.BILLING, size="2", weight="medium", id="header-billing"
                ),
                rx.separator(orientation="vertical", size="2", display=["none", "none", "block"]),
                user_block(),
                rx.button(
                    rx.icon("log-out", size=15),
                    "Sign out",
                    on_click=AuthState.sign_out,
                    variant="ghost",
                    color_scheme="gray",
                    size="2",
                ),
                spacing="4",
                align="center",
            ),
            align="center",
            wrap="wrap",
            gap="8px 24px",
            max_width="1200px",
            margin_x="auto",
            padding_x="24px",
            padding_y="12px",
            min_height="64px",
        ),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )
