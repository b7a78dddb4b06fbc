"""The FastAPI app that Reflex mounts itself under (rx.App(api_transformer=...))."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from v4a_portal.api import auth, errors, events, health, images, me, media, scripts, staff, videos
from v4a_portal.api.analytics import router as analytics_router
from v4a_portal.settings import get_settings


def create_api() -> FastAPI:
    settings = get_settings()
    api = FastAPI(
        title="V4A Portal API",
        version="1.0",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        # Under /api like the rest: paths outside it belong to the Reflex pages.
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
    )
    # Holds only OAuth state/nonce/PKCE verifier between login and callback.
    api.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="v4a_oauth",
        max_age=600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    errors.install(api)
    for router in (auth.router, me.router, staff.router, health.router):
        api.include_router(router)
    api.include_router(images.router)
    api.include_router(media.router)
    api.include_router(scripts.router)
    api.include_router(videos.router)
    api.include_router(events.router)
    api.include_router(analytics_router)
    return api
