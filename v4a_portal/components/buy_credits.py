"""The way out of "not enough credits": a link to Billing beside every such message."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

from v4a_portal import routes

# Every "not enough credits" message ends so (state/messages.py: credits_short).
SHORT = "more needed"


def is_short(message: Var[str] | str) -> Var[bool]:
    return Var.create(message).to(str).contains(SHORT)


def buy_credits_link(show: Var[bool], id_: str) -> rx.Component:
    return rx.cond(
        show,
        rx.link(
            "Buy credits",
            rx.icon("arrow-right", size=13),
            href=routes.BILLING,
            id=id_,
            weight="medium",
            margin_left="6px",
            white_space="nowrap",
            display="inline-flex",
            align_items="center",
            gap="2px",
        ),
    )
