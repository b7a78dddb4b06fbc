"""The bar on top of every signed-in page: product, navigation, credits, user, sign-out.

From the `sm` breakpoint (768 px) up everything is in the bar; below it the bar keeps one
row (product, balance, a menu button) and the rest opens from the button."""

from __future__ import annotations

from typing import Any

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


# Responsive `display` values (initial, xs, sm): the full bar from sm up, the menu below.
WIDE = ["none", "none", "flex"]
NARROW = ["flex", "flex", "none"]


def _nav_link(*children: rx.Component, href: str, section: str = "", **props: Any) -> rx.Component:
    here = AuthState.router.route_id
    active = here.startswith(section) if section else here == href
    style: dict[str, Any] = {
        "padding_x": "10px",
        "padding_y": "6px",
        "border_radius": "6px",
        **props,
    }
    return rx.link(
        rx.hstack(*children, align="center", spacing="1"),
        href=href,
        underline="none",
        size="2",
        weight="medium",
        color_scheme=rx.cond(active, "indigo", "gray"),
        high_contrast=~active,
        background=rx.cond(active, rx.color("indigo", 3), "transparent"),
        # Screen readers announce the page the user is on.
        aria_current=rx.cond(active, "page", "false"),
        **style,
    )


def _nav_links(**props: Any) -> list[rx.Component]:
    return [
        _nav_link(rx.icon("sparkles", size=15), rx.text("Studio"), href=routes.STUDIO, **props),
        _nav_link(rx.icon("images", size=15), rx.text("Library"), href=routes.LIBRARY, **props),
        _nav_link(rx.icon("wallet", size=15), rx.text("Account"), href=routes.ACCOUNT, **props),
        rx.cond(
            AuthState.can_console,
            # The console's own navigation (components/console_frame.py) shows only
            # the sections this role may open.
            _nav_link(
                rx.icon("shield", size=15),
                rx.text("Console"),
                href=routes.CONSOLE,
                section=routes.CONSOLE,
                **props,
            ),
        ),
    ]


def navigation() -> rx.Component:
    return rx.el.nav(
        rx.hstack(*_nav_links(), spacing="1", align="center", wrap="wrap"),
        aria_label="Main",
        display=WIDE,
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
        ),
        align="center",
        spacing="2",
    )


def _sign_out_button(**props: Any) -> rx.Component:
    return rx.button(
        rx.icon("log-out", size=15),
        "Sign out",
        on_click=AuthState.sign_out,
        variant="ghost",
        color_scheme="gray",
        size="2",
        **props,
    )


def menu() -> rx.Component:
    """The phone's navigation: a button in the bar opening the links, billing, the user and
    sign-out. Radix moves the focus into it, Escape closes it and gives the focus back."""
    full_width = {"width": "100%", "padding_y": "10px"}
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("menu", size=20),
                variant="soft",
                color_scheme="gray",
                size="3",
                aria_label="Menu",
                id="header-menu-button",
            ),
        ),
        rx.popover.content(
            rx.vstack(
                rx.hstack(
                    rx.avatar(
                        src=AuthState.user_picture,
                        fallback=AuthState.initials,
                        size="3",
                        radius="full",
                        custom_attrs={"referrerPolicy": "no-referrer"},
                    ),
                    rx.vstack(
                        rx.hstack(
                            rx.text(AuthState.user_name, size="2", weight="medium"),
                            role_badge(AuthState.role, AuthState.role_label),
                            align="center",
                            spacing="2",
                            wrap="wrap",
                        ),
                        rx.text(
                            AuthState.user_email,
                            size="1",
                            color_scheme="gray",
                            word_break="break-all",
                        ),
                        spacing="0",
                        min_width="0",
                    ),
                    align="center",
                    spacing="3",
                    width="100%",
                ),
                rx.separator(size="4"),
                rx.el.nav(
                    rx.vstack(*_nav_links(**full_width), spacing="1", width="100%"),
                    aria_label="Main",
                    width="100%",
                ),
                rx.separator(size="4"),
                _nav_link(
                    rx.icon("credit-card", size=15),
                    rx.text("Billing"),
                    href=routes.BILLING,
                    **full_width,
                ),
                _sign_out_button(width="100%", justify_content="start", margin="0"),
                spacing="2",
                width="100%",
            ),
            side="bottom",
            align="end",
            width="min(320px, calc(100vw - 24px))",
            aria_label="Menu",
            id="header-menu",
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.flex(
            rx.flex(brand(), navigation(), align="center", wrap="wrap", gap="8px 24px"),
            rx.spacer(),
            rx.hstack(
                credits_pill(),
                rx.hstack(
                    rx.link(
                        "Billing",
                        href=routes.BILLING,
                        size="2",
                        weight="medium",
                        id="header-billing",
                    ),
                    rx.separator(orientation="vertical", size="2"),
                    user_block(),
                    _sign_out_button(),
                    spacing="4",
                    align="center",
                    display=WIDE,
                ),
                rx.box(menu(), display=NARROW),
                spacing=rx.breakpoints(initial="3", sm="4"),
                align="center",
            ),
            align="center",
            # One row on a phone: the menu holds what does not fit.
            wrap=rx.breakpoints(initial="nowrap", sm="wrap"),
            gap="8px 24px",
            max_width="1200px",
            margin_x="auto",
            padding_x=rx.breakpoints(initial="16px", sm="24px"),
            padding_y=rx.breakpoints(initial="10px", sm="12px"),
            min_height=rx.breakpoints(initial="56px", sm="64px"),
        ),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )
