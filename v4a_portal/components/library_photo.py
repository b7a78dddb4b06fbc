"""One photo in the Library: thumbnail and facts, its scripts with their lineage, delete."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import NumberVar, ObjectVar, StringVar

from v4a_portal.components.confirm_dialog import confirm_dialog, description
from v4a_portal.components.photo_thumb import photo_thumb
from v4a_portal.components.script_meta import script_heading, script_text
from v4a_portal.state.cards import PhotoCard, ScriptCard
from v4a_portal.state.library import LibraryState


def _delete(photo: ObjectVar[PhotoCard]) -> rx.Component:
    return confirm_dialog(
        rx.button(
            rx.icon("trash-2", size=15),
            "Delete",
            variant="soft",
            color_scheme="red",
            size="2",
            aria_label="Delete " + cast(StringVar, photo.name),
        ),
        "Delete this photo?",
        description(
            rx.text.strong(photo.name), " is removed for good. Scripts written for it are kept."
        ),
        # mypy types an @rx.event handler as EventNamespace, not as the EventCallback it is
        rx.button("Delete photo", color_scheme="red", on_click=LibraryState.delete_photo(photo.id)),  # type: ignore[operator]
    )


def _script(script: ObjectVar[ScriptCard]) -> rx.Component:
    return rx.box(
        script_heading(script),
        rx.el.details(
            rx.el.summary(
                rx.text("Show script", size="2", color_scheme="gray", as_="span"),
                cursor="pointer",
                margin_top="6px",
            ),
            script_text(script, margin_top="8px"),
        ),
        padding_y="12px",
        border_top=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="library-script",
        data_script_id=script.id,
    )


def _scripts(photo: ObjectVar[PhotoCard]) -> rx.Component:
    older = photo.script_total - photo.scripts.length()
    return rx.cond(
        cast(NumberVar, photo.script_total) > 0,
        rx.vstack(
            rx.text("Scripts (", photo.script_total, ")", size="2", weight="medium"),
            rx.box(rx.foreach(photo.scripts, _script), width="100%"),
            rx.cond(
                older > 0,
                rx.text("and ", older, " older", size="1", color_scheme="gray"),
            ),
            spacing="1",
            width="100%",
        ),
        rx.text("No scripts yet.", size="2", color_scheme="gray"),
    )


def library_photo(photo: ObjectVar[PhotoCard]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.link(
                photo_thumb(photo.thumbnail_url, photo.name, size="144px"),
                href=photo.studio_url,
                flex_shrink="0",  # the link is the flex item: without this the photo narrows
            ),
            rx.vstack(
                rx.flex(
                    rx.vstack(
                        rx.text(
                            photo.name, weight="bold", size="3", class_name="library-photo-name"
                        ),
                        rx.text(photo.details, size="2", color_scheme="gray"),
                        rx.text("Uploaded ", photo.uploaded, size="2", color_scheme="gray"),
                        spacing="1",
                        min_width="0",
                    ),
                    rx.spacer(),
                    rx.hstack(
                        rx.button(
                            rx.link(
                                rx.icon("sparkles", size=15),
                                "Write a script",
                                href=photo.studio_url,
                                underline="none",
                            ),
                            as_child=True,
                            size="2",
                            variant="soft",
                        ),
                        _delete(photo),
                        spacing="2",
                    ),
                    wrap="wrap",
                    gap="12px",
                    width="100%",
                ),
                _scripts(photo),
                spacing="3",
                width="100%",
                min_width="0",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="20px",
            width="100%",
        ),
        size="3",
        width="100%",
        class_name="library-photo",
        data_photo_id=photo.id,
    )
