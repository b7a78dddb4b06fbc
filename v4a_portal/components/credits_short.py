"""Why a paid button is off for want of credits, and the way forward: the daily bonus and
when it comes, and the billing page."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var

from v4a_portal import routes
from v4a_portal.state import messages


def credits_short(
    shortage: Var[str] | str, bonus_note: Var[str] | str, id: str, **props: object
) -> rx.Component:
    """Shown while `shortage` says how many credits are missing ("" hides it)."""
    return rx.cond(
        shortage != "",
        rx.vstack(
            rx.text(shortage, size="2", weight="medium", color=rx.color("tomato", 11), id=id),
            rx.text(
                bonus_note,
                " ",
                rx.link(messages.BUY_CREDITS, href=routes.BILLING, weight="medium"),
                ".",
                size="1",
                color_scheme="gray",
            ),
            spacing="1",
            class_name="credits-short",
            **props,
        ),
    )
