"""`/`: straight on to the Studio when signed in, else to sign-in."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.template import FAVICON
from v4a_portal.state.auth import AuthState


@rx.page(route=routes.INDEX, title="V4A Portal", image=FAVICON, on_load=AuthState.enter)
def index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), height="100vh")
