"""Reflex configuration; any field can be overridden as REFLEX_<FIELD> in the environment."""

import os

import reflex as rx

from v4a_portal.services import origins

_port = int(os.environ.get("V4A_PORT", "8000"))
# A web process of the production layout (REFLEX_BACKEND_ONLY=true, the same as
# `--backend-only`) serves no frontend, and Reflex refuses a frontend port there.
_backend_only = os.environ.get("REFLEX_BACKEND_ONLY", "").lower() in ("true", "1", "yes", "y")

config = rx.Config(
    app_name="v4a_portal",
    frontend_port=None if _backend_only else _port,
    backend_port=_port,
    api_url=os.environ.get("V4A_PUBLIC_URL", f"http://127.0.0.1:{_port}"),
    # Reflex's CORS middlewares and its socket server answer only the portal's own origins
    # (and V4A_ALLOWED_ORIGINS), never an echo of any Origin with credentials.
    cors_allowed_origins=origins.allowed(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
