"""One video clip: the player once it is ready, a live progress bar before, the error and the
refund when it failed, and where it came from (photo, script). Used by Studio and Library."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import NumberVar, ObjectVar, StringVar

from v4a_portal.components.confirm_dialog import confirm_dialog, description
from v4a_portal.components.photo_thumb import photo_thumb
from v4a_portal.state.clip_cards import ClipCard
from v4a_portal.state.live_clips import LiveClips

MEDIA_HEIGHT = "300px"


def _status_badge(card: ObjectVar[ClipCard]) -> rx.Component:
    color = rx.match(
        card.status,
        ("completed", "grass"),
        ("processing", "indigo"),
        ("failed", "red"),
        ("canceled", "amber"),
        "gray",
    )
    return rx.badge(
        card.status_label,
        color_scheme=color,
        variant="soft",
        radius="full",
        class_name="clip-status",
    )


def _player(card: ObjectVar[ClipCard]) -> rx.Component:
    return rx.el.video(
        src=card.video_url,
        poster=card.poster_url,
        controls=True,
        muted=True,
        plays_inline=True,
        preload="auto",
        width="100%",
        height="100%",
        style={"objectFit": "contain", "display": "block"},
        class_name="clip-video",
        aria_label="Clip " + card.id.to_string(),
    )


def _overlay(card: ObjectVar[ClipCard]) -> rx.Component:
    """Over the product photo while the clip is made, or when it ended without a video."""
    return rx.center(
        rx.cond(
            card.active,
            rx.vstack(
                rx.spinner(size="3", color="white"),
                rx.text(
                    rx.cond(card.status == "pending", card.waiting, "Rendering…"),
                    size="2",
                    weight="medium",
                    color="white",
                ),
                align="center",
                spacing="2",
            ),
            rx.vstack(
                rx.cond(
                    card.status == "failed",
                    rx.icon("circle-x", size=28, color="white"),
                    rx.icon("ban", size=28, color="white"),
                ),
                rx.text(card.status_label, size="2", weight="medium", color="white"),
                align="center",
                spacing="2",
            ),
        ),
        position="absolute",
        inset="0",
        background="rgba(15, 18, 30, 0.55)",
    )


def _media(card: ObjectVar[ClipCard]) -> rx.Component:
    return rx.box(
        rx.cond(
            card.video_url != "",
            _player(card),
            rx.fragment(
                rx.cond(
                    card.poster_url != "",
                    rx.image(
                        src=card.poster_url,
                        alt="",
                        width="100%",
                        height="100%",
                        object_fit="cover",
                        filter="blur(2px) saturate(0.8)",
                        transform="scale(1.04)",  # hides the blur's soft edge
                    ),
                ),
                _overlay(card),
            ),
        ),
        position="relative",
        overflow="hidden",
        height=MEDIA_HEIGHT,
        width="100%",
        background="#0f121e",
    )


def _progress(card: ObjectVar[ClipCard]) -> rx.Component:
    return rx.hstack(
        rx.progress(
            value=card.progress,
            max=100,
            size="2",
            width="100%",
            class_name="clip-progress",
            aria_label="Progress of clip " + card.id.to_string(),
        ),
        rx.text(
            card.progress.to_string() + "%",
            size="1",
            weight="medium",
            min_width="36px",
            text_align="right",
            class_name="clip-percent",
            style={"fontVariantNumeric": "tabular-nums"},
        ),
        align="center",
        spacing="2",
        width="100%",
    )


def _ended(card: ObjectVar[ClipCard]) -> rx.Component:
    return rx.vstack(
        rx.text(
            card.error,
            size="2",
            color_scheme=rx.cond(card.status == "failed", "red", "gray"),
            class_name="clip-error",
        ),
        rx.cond(
            card.refunded,
            rx.badge(
                rx.icon("rotate-ccw", size=12),
                "Credits refunded",
                color_scheme="grass",
                variant="soft",
                radius="full",
                class_name="clip-refunded",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _lineage(card: ObjectVar[ClipCard]) -> rx.Component:
    return rx.hstack(
        rx.cond(
            card.photo_url != "",
            photo_thumb(card.photo_url, card.photo_name, size="32px"),
            rx.center(
                rx.icon("image-off", size=14, color=rx.color("gray", 9)),
                width="32px",
                height="32px",
                border_radius="8px",
                background=rx.color("gray", 3),
                flex_shrink="0",
            ),
        ),
        rx.vstack(
            rx.text(
                rx.cond(card.photo_name != "", card.photo_name, "Photo deleted"),
                size="1",
                weight="medium",
                trim="both",
                class_name="clip-photo-name",
            ),
            rx.cond(
                cast(NumberVar, card.script_id) > 0,
                rx.link(
                    card.script_label, href=card.script_url, size="1", class_name="clip-script"
                ),
                rx.text(
                    rx.text.span("Prompt: ", weight="medium"),
                    rx.cond(
                        card.prompt != "", "“" + cast(StringVar, card.prompt) + "”", "free text"
                    ),
                    size="1",
                    color_scheme="gray",
                    class_name="clip-prompt",
                ),
            ),
            spacing="1",
            min_width="0",
        ),
        align="center",
        spacing="2",
        width="100%",
    )


def _cancel(card: ObjectVar[ClipCard], state: type[LiveClips]) -> rx.Component:
    """Cancelling stops the render for good, so it asks first."""
    return confirm_dialog(
        rx.button(
            rx.icon("square", size=13),
            "Cancel",
            variant="soft",
            color_scheme="gray",
            size="1",
            aria_label="Cancel clip " + card.id.to_string(),
        ),
        "Cancel this clip?",
        description(
            "The render stops and the ",
            rx.text.strong(card.credits, " credits"),
            " it cost go back to your balance.",
        ),
        # mypy types an @rx.event handler as EventNamespace, not as the EventCallback it is
        rx.button("Cancel clip", color_scheme="red", on_click=state.cancel_clip(card.id)),  # type: ignore[operator]
        dismiss="Keep rendering",
    )


def _download(card: ObjectVar[ClipCard]) -> rx.Component:
    return rx.button(
        rx.el.a(
            rx.icon("download", size=13),
            "Download",
            # The route counts the download (analytics), then redirects to the file as an
            # attachment: the media route or a signed bucket URL.
            href=card.download_href,
            download=card.download_name,
            reload_document=True,  # a file, not a page of the app
        ),
        as_child=True,
        variant="soft",
        size="1",
    )


def clip_card(card: ObjectVar[ClipCard], state: type[LiveClips]) -> rx.Component:
    return rx.card(
        rx.vstack(
            _media(card),
            rx.vstack(
                rx.hstack(
                    _status_badge(card),
                    rx.text(card.spec, size="1", color_scheme="gray", trim="both"),
                    align="center",
                    spacing="2",
                    width="100%",
                    wrap="wrap",
                ),
                rx.cond(card.active, _progress(card)),
                rx.cond(card.error != "", _ended(card)),
                _lineage(card),
                rx.hstack(
                    rx.text(card.credits, " credits · ", card.when, size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.cond(card.active, _cancel(card, state)),
                    rx.cond(card.video_url != "", _download(card)),
                    align="center",
                    width="100%",
                ),
                spacing="3",
                padding="12px",
                width="100%",
            ),
            spacing="0",
            width="100%",
        ),
        size="1",
        padding="0",
        overflow="hidden",
        width="100%",
        class_name="clip-card",
        data_video_id=card.id,
        data_status=card.status,
    )


def clip_grid(state: type[LiveClips], **props: object) -> rx.Component:
    return rx.grid(
        rx.foreach(state.clips, lambda card: clip_card(card, state)),
        columns=rx.breakpoints(initial="1", sm="2", md="3"),
        spacing="4",
        width="100%",
        **props,
    )


def clips_error(state: type[LiveClips]) -> rx.Component:
    return rx.cond(
        state.clips_error != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert", size=16)),
            rx.callout.text(state.clips_error),
            color_scheme="red",
            variant="soft",
            role="alert",
            class_name="clips-error",
            width="100%",
        ),
    )
