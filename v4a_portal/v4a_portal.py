"""The Reflex app: builds rx.App on the portal's FastAPI app and registers the pages."""

import reflex as rx

from v4a_portal.api.app import create_api

app = rx.App(api_transformer=create_api(), theme=rx.theme(accent_color="indigo", radius="medium"))


@rx.page(route="/", title="V4A Portal")
def index() -> rx.Component:
    return rx.center(rx.heading("V4A Portal"), height="100vh")
