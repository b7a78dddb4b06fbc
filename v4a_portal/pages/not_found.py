"""The page unknown URLs get: the header when signed in, what happened, and a way back."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.header import brand, header
from v4a_portal.components.template import FAVICON
from v4a_portal.state.console_not_found import NotFoundState


def _signed_out_bar() -> rx.Component:
    return rx.el.header(
        rx.flex(brand(), max_width="1200px", margin_x="auto", padding_x="24px", padding_y="16px"),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        background=rx.color("gray", 1),
    )


@rx.page(
    route=routes.NOT_FOUND,
    title="Page not found · V4A Portal",
    image=FAVICON,
    on_load=NotFoundState.load,
)
def not_found() -> rx.Component:
    return rx.box(
        rx.cond(NotFoundState.signed_in, header(), _signed_out_bar()),
        rx.el.main(
            rx.center(
                rx.vstack(
                    rx.center(
                        rx.icon("map-pin-off", size=28, color=rx.color("indigo", 10)),
                        width="64px",
                        height="64px",
                        border_radius="9999px",
                        background=rx.color("indigo", 3),
                    ),
                    rx.text("404", size="2", color_scheme="indigo", weight="bold"),
                    rx.heading("This page does not exist", size="7", text_align="center"),
                    rx.text(
                        "The address may be mistyped, or the page has moved. Nothing was changed.",
                        color_scheme="gray",
                        text_align="center",
                        max_width="420px",
                    ),
                    rx.button(
                        rx.link(
                            rx.icon("house", size=16),
                            rx.cond(NotFoundState.signed_in, "Back to your account", "Go home"),
                            href=rx.cond(NotFoundState.signed_in, routes.ACCOUNT, routes.INDEX),
                            underline="none",
                            color="inherit",
                        ),
                        as_child=True,
                        size="3",
                        margin_top="8px",
                    ),
                    align="center",
                    spacing="3",
                    id="not-found",
                ),
                padding_y="96px",
                padding_x="24px",
            ),
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )
