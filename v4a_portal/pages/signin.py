"""`/signin`: one button to Google, and a plain explanation when the last try failed."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.header import brand
from v4a_portal.components.template import FAVICON
from v4a_portal.state.signin import SignInState


def _error() -> rx.Component:
    return rx.cond(
        SignInState.error != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("circle-alert", size=16)),
            rx.callout.text(SignInState.error),
            color_scheme="red",
            variant="soft",
            role="alert",
            id="signin-error",
            width="100%",
        ),
    )


def _google_button() -> rx.Component:
    # A document navigation, not client routing: the browser leaves the app for the provider.
    # Shown once the page knows where to return to; until then a button that waits.
    return rx.cond(
        SignInState.signin_ready,
        rx.button(
            rx.el.a(
                rx.icon("log-in", size=17),
                "Sign in with Google",
                href=SignInState.login_url,
                reload_document=True,
            ),
            as_child=True,
            size="3",
            width="100%",
            cursor="pointer",
        ),
        rx.button(
            rx.spinner(size="2"),
            "Sign in with Google",
            disabled=True,
            size="3",
            width="100%",
            id="signin-waiting",
        ),
    )


@rx.page(
    route=routes.SIGNIN,
    title="Sign in · V4A Portal",
    image=FAVICON,
    on_load=SignInState.load,
)
def signin() -> rx.Component:
    return rx.center(
        rx.vstack(
            brand(),
            rx.card(
                rx.vstack(
                    rx.heading("Sign in", size="6"),
                    rx.text(
                        "Turn a product photo into short video ads. "
                        "Use your Google account to continue.",
                        size="2",
                        color_scheme="gray",
                    ),
                    _error(),
                    _google_button(),
                    rx.cond(
                        SignInState.signup_bonus > 0,
                        rx.text(
                            "New here? Your account is created on first sign-in, with ",
                            rx.text.strong(SignInState.signup_bonus, " free credits"),
                            ".",
                            size="1",
                            color_scheme="gray",
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
                size="4",
                width="100%",
            ),
            rx.text(
                "We only use your name, email and picture to run your account.",
                size="1",
                color_scheme="gray",
                text_align="center",
            ),
            spacing="5",
            align="center",
            width="100%",
            max_width="400px",
        ),
        min_height="100vh",
        padding="24px",
        background=rx.color("gray", 2),
    )
