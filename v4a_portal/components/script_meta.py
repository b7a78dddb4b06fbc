"""How a script introduces itself: number, writer, credits, time, and what it was redone from."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar, Var

from v4a_portal.state.cards import ScriptCard, ScriptLine


def lineage_badge(lineage: Var[str]) -> rx.Component:
    return rx.cond(
        lineage != "",
        rx.badge(
            rx.icon("git-branch", size=12),
            lineage,
            color_scheme="violet",
            variant="soft",
            radius="full",
            class_name="script-lineage",
        ),
    )


def _dot() -> rx.Component:
    return rx.text("·", size="1", color_scheme="gray")


def script_meta(script: ObjectVar[ScriptCard]) -> rx.Component:
    return rx.flex(
        rx.badge("#", script.id, variant="outline", color_scheme="gray", font_family="monospace"),
        rx.text(script.writer, size="1", color_scheme="gray"),
        _dot(),
        rx.text(script.credits, " credits", size="1", color_scheme="gray"),
        _dot(),
        rx.text(script.when, size="1", color_scheme="gray", white_space="nowrap"),
        lineage_badge(script.lineage),
        align="center",
        wrap="wrap",
        gap="6px",
    )


def _line(line: ObjectVar[ScriptLine]) -> rx.Component:
    return rx.flex(
        rx.text(
            line.label,
            size="1",
            weight="bold",
            color_scheme="gray",
            letter_spacing="0.04em",
            min_width=["auto", "128px"],
            padding_top="2px",
        ),
        rx.cond(
            line.caption,
            rx.text(
                "“",
                line.text,
                "”",
                size="2",
                color=rx.color("indigo", 11),
                style={"fontStyle": "italic"},
            ),
            rx.text(line.text, size="2"),
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        gap="2px 12px",
    )


def script_text(script: ObjectVar[ScriptCard], **props: object) -> rx.Component:
    """The script as labelled lines: HOOK, SCENE n (Ns), ON-SCREEN, CTA, VIDEO PROMPT."""
    return rx.vstack(
        rx.foreach(script.lines, _line),
        spacing="2",
        width="100%",
        padding="16px",
        border_radius="8px",
        background=rx.color("gray", 2),
        border=f"1px solid {rx.color('gray', 4)}",
        **props,
    )


def script_heading(script: ObjectVar[ScriptCard]) -> rx.Component:
    """A script's product, brief and details, with the way back to the Studio: the same
    line in the Library's photo cards and its Scripts tab."""
    return rx.flex(
        rx.vstack(
            rx.text(rx.text.span(script.product, weight="medium"), " · ", script.brief, size="2"),
            script_meta(script),
            spacing="1",
            min_width="0",
        ),
        rx.spacer(),
        rx.link(
            rx.hstack(rx.icon("pencil", size=14), "Open in Studio", spacing="1", align="center"),
            href=script.studio_url,
            size="2",
            white_space="nowrap",
        ),
        align="start",
        wrap="wrap",
        gap="4px 12px",
        width="100%",
    )
