"""The FastAPI app that Reflex mounts itself under (rx.App(api_transformer=...))."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from v4a_portal.api import (
    auth,
    billing,
    docs,
    errors,
    events,
    health,
    images,
    me,
    media,
    scripts,
    staff,
    staff_views,
    videos,
    webhooks,
)
from v4a_portal.api.analytics import router as analytics_router
from v4a_portal.api.canonical_host import CanonicalHostMiddleware
from v4a_portal.api.origin_check import OriginCheckMiddleware
from v4a_portal.api.security_headers import SecurityHeadersMiddleware
from v4a_portal.services import signing_key
from v4a_portal.settings import get_settings


def create_api() -> FastAPI:
    settings = get_settings()
    api = FastAPI(
        title="V4A Portal API",
        version="1.0",
        # Swagger UI from the portal's own files (api/docs.py), not a CDN.
        docs_url=None,
        openapi_url=docs.OPENAPI_URL,
        redoc_url=None,
    )
    # Holds only OAuth state/nonce/PKCE verifier between login and callback.
    api.add_middleware(
        SessionMiddleware,
        secret_key=signing_key.secret_key(),
        session_cookie="v4a_oauth",
        max_age=600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # Reflex mounts its pages, /_event and /_upload under this app, so these see every
    # request. The last added runs first: headers on every answer, then the canonical host
    # (before anything else happens), then the origin check of cookie writes and sockets.
    api.add_middleware(OriginCheckMiddleware)
    api.add_middleware(CanonicalHostMiddleware)
    api.add_middleware(SecurityHeadersMiddleware)
    errors.install(api)
    docs.install(api)
    # First: Stripe's deliveries are the busiest route, and routes are matched in order.
    api.include_router(webhooks.router)
    for router in (auth.router, me.router, staff.router, staff_views.router, health.router):
        api.include_router(router)
    api.include_router(images.router)
    api.include_router(media.router)
    api.include_router(scripts.router)
    api.include_router(videos.router)
    api.include_router(events.router)
    api.include_router(billing.router)
    api.include_router(analytics_router)
    return api
