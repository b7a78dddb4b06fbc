"""The Studio's newest clips under the video step, live while they render."""

from __future__ import annotations

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.clip_card import clip_grid, clips_error
from v4a_portal.state.studio_video import StudioVideoState


def studio_clips() -> rx.Component:
    return rx.cond(
        StudioVideoState.clips.length() > 0,
        rx.vstack(
            rx.hstack(
                rx.heading("Your latest clips", size="5"),
                rx.spacer(),
                rx.link(
                    rx.hstack(rx.text("All videos"), rx.icon("arrow-right", size=14), spacing="1"),
                    href=routes.library(tab="videos"),
                    size="2",
                ),
                align="center",
                width="100%",
            ),
            clips_error(StudioVideoState),
            clip_grid(StudioVideoState, id="studio-clips"),
            spacing="3",
            width="100%",
        ),
    )
