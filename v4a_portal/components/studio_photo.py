"""Studio step 1: drop or pick a product photo, watch it upload, or reuse a recent one."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import ObjectVar, StringVar

from v4a_portal import routes
from v4a_portal.components.photo_thumb import photo_thumb
from v4a_portal.components.step import step
from v4a_portal.components.upload_zone import upload_zone
from v4a_portal.state.cards import PhotoCard
from v4a_portal.state.studio import UPLOAD_ID, StudioState


def _invitation() -> rx.Component:
    return rx.vstack(
        rx.center(
            rx.icon("image-up", size=24, color=rx.color("indigo", 11)),
            width="48px",
            height="48px",
            border_radius="9999px",
            background=rx.color("indigo", 3),
        ),
        rx.text("Drop a product photo here", weight="medium", size="3"),
        rx.text(
            "or ",
            rx.text.span("choose a file", color=rx.color("indigo", 11), weight="medium"),
            size="2",
            color_scheme="gray",
        ),
        rx.text(
            "JPEG, PNG or WebP · up to ",
            StudioState.max_upload_mb,
            " MB",
            size="1",
            color_scheme="gray",
        ),
        align="center",
        spacing="2",
    )


def _progress() -> rx.Component:
    return rx.vstack(
        rx.spinner(size="3"),
        rx.text(
            rx.cond(
                StudioState.checking,
                "Checking your photo…",
                "Uploading… " + StudioState.upload_percent.to_string() + "%",
            ),
            weight="medium",
            size="2",
        ),
        rx.progress(value=StudioState.upload_percent, max=100, width="240px", size="2"),
        align="center",
        spacing="3",
        role="status",
        id="studio-upload-progress",
    )


def _dropzone() -> rx.Component:
    # mypy cannot solve the handler type `@rx.event(background=True)` gives (EventCallback?)
    upload = StudioState.upload_photo(  # type: ignore[misc]
        rx.upload_files_chunk(upload_id=UPLOAD_ID, on_upload_progress=StudioState.upload_progress)
    )
    return upload_zone(
        UPLOAD_ID,
        rx.cond(StudioState.uploading, _progress(), _invitation()),
        on_drop=upload,
        # mypy types an @rx.event handler as EventNamespace, not as the EventCallback it is
        on_rejected=StudioState.upload_rejected,  # type: ignore[arg-type]
        max_bytes=StudioState.max_upload_mb * 1024 * 1024,
        busy=StudioState.uploading,
    )


def _preview() -> rx.Component:
    photo = StudioState.photo
    return rx.vstack(
        rx.center(
            rx.image(
                src=photo.url,
                alt=photo.name,
                max_height="300px",
                max_width="100%",
                object_fit="contain",
                border_radius="6px",
                id="studio-photo-preview",
            ),
            width="100%",
            min_height="240px",
            padding="12px",
            border_radius="12px",
            background=rx.color("gray", 3),
        ),
        rx.flex(
            rx.vstack(
                rx.text(photo.name, weight="medium", size="2", id="studio-photo-name", trim="both"),
                rx.text(photo.details, size="1", color_scheme="gray"),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("replace", size=15),
                "Use another photo",
                on_click=StudioState.clear_photo,
                variant="soft",
                color_scheme="gray",
                size="2",
                disabled=StudioState.writing,
            ),
            align="center",
            wrap="wrap",
            gap="8px 12px",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _recent_photo(photo: ObjectVar[PhotoCard]) -> rx.Component:
    chosen = photo.id == StudioState.photo.id
    return rx.el.button(
        photo_thumb(photo.thumbnail_url, photo.name, size="52px"),
        # mypy types an @rx.event handler as EventNamespace, not as the EventCallback it is
        on_click=StudioState.choose_photo(photo.id),  # type: ignore[operator]
        title=photo.name,
        aria_label="Use " + cast(StringVar, photo.name),
        aria_pressed=chosen,
        disabled=StudioState.uploading | StudioState.writing,
        padding="2px",
        border_radius="10px",
        border="2px solid",
        border_color=rx.cond(chosen, rx.color("indigo", 9), "transparent"),
        background="transparent",
        cursor="pointer",
        line_height="0",
    )


def _recent() -> rx.Component:
    return rx.cond(
        StudioState.recent.length() > 0,
        rx.vstack(
            rx.hstack(
                rx.text("Your recent photos", size="2", weight="medium"),
                rx.spacer(),
                rx.link("All photos", href=routes.LIBRARY, size="2"),
                width="100%",
                align="center",
            ),
            rx.flex(rx.foreach(StudioState.recent, _recent_photo), wrap="wrap", gap="6px"),
            spacing="2",
            width="100%",
            id="studio-recent",
        ),
    )


def _messages() -> rx.Component:
    return rx.fragment(
        rx.cond(
            StudioState.photo_error != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-alert", size=16)),
                rx.callout.text(StudioState.photo_error),
                color_scheme="red",
                variant="soft",
                role="alert",
                id="studio-photo-error",
                width="100%",
            ),
        ),
        rx.cond(
            StudioState.photo_note != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("info", size=16)),
                rx.callout.text(StudioState.photo_note),
                color_scheme="blue",
                variant="soft",
                role="status",
                width="100%",
            ),
        ),
    )


def photo_step() -> rx.Component:
    return step(
        1,
        "Product photo",
        "One clear photo of the product. It is checked, turned upright and stripped of "
        "location data before it is stored.",
        rx.cond(StudioState.has_photo, _preview(), _dropzone()),
        _messages(),
        _recent(),
        done=StudioState.has_photo,
        id="studio-photo-step",
    )
