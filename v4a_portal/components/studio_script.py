"""The Studio's current script: read it, edit it for free, or regenerate it for credits."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal import routes
from v4a_portal.components.confirm_dialog import confirm_dialog, description
from v4a_portal.components.credits_short import credits_short
from v4a_portal.components.script_meta import script_meta, script_text
from v4a_portal.state.cards import ScriptCard
from v4a_portal.state.studio import StudioState


def _regenerate() -> rx.Component:
    """Paid, so it asks first."""
    return confirm_dialog(
        rx.button(
            rx.icon("refresh-cw", size=15),
            "Regenerate",
            variant="soft",
            size="2",
            loading=StudioState.writing,
            disabled=StudioState.writing | StudioState.editing,
        ),
        "Write a new version?",
        rx.fragment(
            description(
                "The writer starts again from the same photo and brief. This costs ",
                rx.text.strong(StudioState.price, " credits"),
                " (you have ",
                StudioState.credits,
                "). This script stays in your Library, and the new one is linked to it. If "
                "the new version comes back the same word for word, the credits are refunded.",
            ),
            credits_short(
                StudioState.script_short,
                StudioState.bonus_note,
                "studio-regenerate-short",
                margin_top="12px",
            ),
        ),
        rx.button(
            "Regenerate for ",
            StudioState.price,
            " credits",
            on_click=StudioState.regenerate,
            disabled=StudioState.script_short != "",
        ),
        max_width="440px",
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("pencil", size=15),
            "Edit",
            on_click=StudioState.start_edit,
            variant="soft",
            color_scheme="gray",
            size="2",
            disabled=StudioState.writing | StudioState.editing,
        ),
        _regenerate(),
        spacing="2",
    )


def _editor() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text_area(
                name="script_text",
                default_value=StudioState.script.text,
                rows="16",
                resize="vertical",
                font_family="var(--code-font-family)",
                size="2",
                aria_label="Script text",
                id="studio-script-editor",
                width="100%",
            ),
            rx.text(
                "Editing is free. Keep the HOOK:, SCENE n (Ns):, ON-SCREEN:, CTA: and "
                "VIDEO PROMPT: labels so the video steps can read the script.",
                size="1",
                color_scheme="gray",
            ),
            rx.cond(
                StudioState.edit_error != "",
                rx.callout.root(
                    rx.callout.icon(rx.icon("circle-alert", size=16)),
                    rx.callout.text(StudioState.edit_error),
                    color_scheme="red",
                    variant="soft",
                    role="alert",
                    id="studio-edit-error",
                    width="100%",
                ),
            ),
            rx.hstack(
                rx.button(
                    "Cancel",
                    type="button",
                    on_click=StudioState.cancel_edit,
                    variant="soft",
                    color_scheme="gray",
                ),
                rx.button(rx.icon("check", size=15), "Save changes", type="submit"),
                justify="end",
                spacing="2",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=StudioState.save_script,
        reset_on_submit=False,
        width="100%",
    )


def _saved_note() -> rx.Component:
    return rx.cond(
        StudioState.script_note != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-check", size=16)),
            rx.callout.text(StudioState.script_note),
            color_scheme="grass",
            variant="soft",
            role="status",
            id="studio-script-note",
            width="100%",
        ),
    )


def _script() -> rx.Component:
    script = cast(ObjectVar[ScriptCard], StudioState.script)  # a state var: a Var on the class
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.heading("Your ad script", size="4"),
                    rx.text(script.product, " · ", script.brief, size="2", color_scheme="gray"),
                    script_meta(script),
                    spacing="2",
                ),
                rx.spacer(),
                _actions(),
                align="start",
                wrap="wrap",
                gap="12px",
                width="100%",
            ),
            _saved_note(),
            rx.cond(
                StudioState.editing,
                _editor(),
                script_text(
                    script,
                    id="studio-script-text",
                    opacity=rx.cond(StudioState.writing, "0.5", "1"),
                ),
            ),
            rx.text(
                "Every script you write is kept in your ",
                rx.link("Library", href=routes.LIBRARY),
                ".",
                size="1",
                color_scheme="gray",
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        id="studio-script",
    )


def _writing() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.spinner(size="3"),
            rx.vstack(
                rx.text("Writing your script…", weight="medium"),
                rx.text("This usually takes a few seconds.", size="2", color_scheme="gray"),
                spacing="1",
            ),
            align="center",
            spacing="4",
        ),
        size="3",
        width="100%",
        role="status",
        id="studio-writing",
    )


def current_script() -> rx.Component:
    return rx.cond(
        StudioState.has_script,
        _script(),
        rx.cond(StudioState.writing, _writing()),
    )
