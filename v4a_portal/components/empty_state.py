"""What a list shows when it has nothing to show."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

from v4a_portal import routes


def empty_state(icon: str, title: str | Var[str], body: str | Var[str]) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=22, color=rx.color("gray", 10)),
                width="44px",
                height="44px",
                border_radius="9999px",
                background=rx.color("gray", 3),
            ),
            rx.text(title, weight="medium", size="3"),
            rx.text(body, size="2", color_scheme="gray", text_align="center", max_width="360px"),
            align="center",
            spacing="2",
        ),
        padding_y="48px",
        width="100%",
    )


def studio_empty_card(state: rx.Component, id_: str) -> rx.Component:
    """An empty Library list in a card, with the way to fill it: the Studio."""
    return rx.card(
        rx.vstack(
            state,
            rx.button(
                rx.link(rx.icon("sparkles", size=16), "Open the Studio", href=routes.STUDIO),
                as_child=True,
                size="3",
            ),
            align="center",
            padding_bottom="32px",
        ),
        size="3",
        width="100%",
        id=id_,
    )
