"""A numbered step of a flow (the Studio's photo → script → ...): a card with a heading."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def step_number(number: int, done: Var[bool] | bool = False) -> rx.Component:
    return rx.center(
        rx.cond(done, rx.icon("check", size=14), rx.text(number, size="1", weight="bold")),
        width="24px",
        height="24px",
        flex_shrink="0",
        border_radius="9999px",
        color=rx.cond(done, "white", rx.color("indigo", 11)),
        background=rx.cond(done, rx.color("grass", 9), rx.color("indigo", 3)),
        class_name="step-number",
        data_done=rx.cond(done, "true", "false"),
    )


def step(
    number: int,
    title: str,
    hint: str | Var[str],
    *children: rx.Component,
    done: Var[bool] | bool = False,
    **props: object,
) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                step_number(number, done),
                rx.vstack(
                    rx.heading(title, size="4"),
                    rx.text(hint, size="2", color_scheme="gray"),
                    spacing="1",
                ),
                align="start",
                spacing="3",
            ),
            *children,
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        **props,
    )
