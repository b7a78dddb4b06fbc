"""`/studio`: product photo → ad script, for every signed-in user."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.studio_brief import brief_step
from v4a_portal.components.studio_photo import photo_step
from v4a_portal.components.studio_script import current_script
from v4a_portal.components.template import template
from v4a_portal.state.studio import StudioState


@template(routes.STUDIO, "Studio", on_load=StudioState.load)
def studio() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading("Studio", size="7"),
            rx.text(
                "Turn a product photo into a ready-to-shoot ad script.",
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
        # The video step (photo + script → clips) goes here: it reads StudioState.photo
        # and StudioState.script.
        spacing="6",
        width="100%",
    )
