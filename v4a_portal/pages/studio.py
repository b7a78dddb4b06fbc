"""`/studio`: product photo → ad script → video clips, for every signed-in user."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.studio_brief import brief_step
from v4a_portal.components.studio_clips import studio_clips
from v4a_portal.components.studio_photo import photo_step
from v4a_portal.components.studio_script import current_script
from v4a_portal.components.template import template
from v4a_portal.components.video_form import video_step
from v4a_portal.state.studio import StudioState
from v4a_portal.state.studio_video import StudioVideoState


@template(routes.STUDIO, "Studio", on_load=[StudioState.load, StudioVideoState.open_video_step])
def studio() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Studio", size="7"),
            rx.text(
                "Turn a product photo into an ad script, then into short video clips.",
                color_scheme="gray",
            ),
            spacing="1",
        ),
        rx.grid(
            photo_step(),
            brief_step(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
            align="start",
        ),
        current_script(),
        video_step(),
        studio_clips(),
        spacing="6",
        width="100%",
    )
