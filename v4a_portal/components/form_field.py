"""A labelled form control: the words above it, an optional hint beside them."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def _heading(label: str, hint: str | Var[str]) -> rx.Component:
    note = rx.text(hint, size="1", color_scheme="gray")
    return rx.hstack(
        rx.text(label, size="2", weight="medium"),
        *([note] if isinstance(hint, Var) or hint else []),
        align="baseline",
        spacing="2",
    )


def field(label: str, control: rx.Component, hint: str | Var[str] = "") -> rx.Component:
    """A wrapping <label>: clicking the words focuses the control, and tests find it by name.

    Only for a single control: a label forwards clicks to its first button.
    """
    return rx.el.label(
        rx.vstack(_heading(label, hint), control, spacing="1", width="100%"),
        width="100%",
    )


def group(label: str, control: rx.Component, hint: str | Var[str] = "") -> rx.Component:
    """The same look for a group of buttons (a segmented control), named for assistive tech."""
    return rx.vstack(
        _heading(label, hint),
        control,
        spacing="1",
        width="100%",
        role="group",
        aria_label=label,
    )
