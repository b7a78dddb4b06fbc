"""What a list shows when it has nothing to show."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


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
