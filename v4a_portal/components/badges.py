"""Small labels: a user's role, a signed credit change."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def role_badge(role: Var[str] | str, label: Var[str] | str) -> rx.Component:
    color = rx.match(
        role,
        ("admin", "crimson"),
        ("analyst", "violet"),
        ("support", "blue"),
        "gray",
    )
    return rx.badge(label, color_scheme=color, variant="soft", radius="full", size="1")


def credit_change(text: Var[str], is_credit: Var[bool]) -> rx.Component:
    return rx.text(
        text,
        color_scheme=rx.cond(is_credit, "grass", "tomato"),
        weight="medium",
        size="2",
        style={"fontVariantNumeric": "tabular-nums"},
    )
