"""A price in credits with the balance that pays for it, red when it does not cover it."""

from __future__ import annotations

import reflex as rx
from reflex.vars import NumberVar


def price_tag(price: NumberVar[int], balance: NumberVar[int], id_prefix: str) -> rx.Component:
    enough = balance >= price
    return rx.vstack(
        rx.hstack(
            rx.icon("coins", size=18, color=rx.color("amber", 10)),
            rx.text(
                rx.text.span(price, id=f"{id_prefix}-price"),
                " credits",
                weight="bold",
                size="5",
                style={"fontVariantNumeric": "tabular-nums"},
            ),
            spacing="2",
            align="center",
        ),
        rx.text(
            "You have ",
            rx.text.span(balance, id=f"{id_prefix}-balance"),
            " credits",
            size="1",
            color=rx.cond(enough, rx.color("gray", 11), rx.color("tomato", 11)),
        ),
        spacing="0",
    )
