"""A button that asks before it acts: for anything paid, destructive or final."""

from __future__ import annotations

from typing import Any

import reflex as rx


def confirm_dialog(
    trigger: rx.Component,
    title: str,
    description: rx.Component,
    confirm: rx.Component,
    *,
    dismiss: str = "Cancel",
    max_width: str = "420px",
) -> rx.Component:
    """`trigger` opens a dialog saying `title` and `description`; `confirm` (a button with
    its on_click) acts, `dismiss` closes it and nothing happens."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            description,
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(dismiss, variant="soft", color_scheme="gray"),
                ),
                rx.alert_dialog.action(confirm),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width=max_width,
        ),
    )


def description(*children: Any) -> rx.Component:
    return rx.alert_dialog.description(*children, size="2")
