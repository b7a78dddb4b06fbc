"""The Reflex app: rx.App on the portal's FastAPI app; the pages register themselves."""

import reflex as rx

from v4a_portal import pages  # noqa: F401  (importing registers every page)
from v4a_portal.api.app import create_api

app = rx.App(
    api_transformer=create_api(),
    theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium", scaling="100%"),
)
