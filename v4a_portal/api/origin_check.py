"""Cross-site request forgery guard: cookie-authenticated writes and the Reflex websocket
must come from the portal's own pages.

A state-changing request (anything but GET/HEAD/OPTIONS) that carries the session cookie and
no bearer token is refused with 403 unless its `Origin` (or, without one, its `Referer`) is
an allowed origin (services/origins.py). A websocket handshake with a foreign `Origin` is
refused before it is accepted (`/_event`'s handlers act on the cookie the handshake carries).
Requests without the cookie, and bearer-token requests, cannot ride on a user's browser
session and pass untouched.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from v4a_portal.api.errors import error_body
from v4a_portal.services import origins
from v4a_portal.services.auth import web_sessions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _has_session_cookie(headers: Headers) -> bool:
    return web_sessions.cookie_from_header(headers.get("cookie")) is not None


def _page_origin(headers: Headers) -> str | None:
    origin = headers.get("origin")
    if origin is not None:
        return origin
    referer = headers.get("referer")
    return origins.origin_of(referer) if referer else None


def _bearer(headers: Headers) -> bool:
    return headers.get("authorization", "").lower().startswith("bearer ")


def from_foreign_page(headers: Headers) -> bool:
    """True when a browser sent this request (a link followed, say) from another site's page.

    Browsers say where a request started in `Sec-Fetch-Site`; without it, an `Origin` or
    `Referer` that is not ours tells the same. A bearer request is no browser's page.
    """
    if _bearer(headers):
        return False
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("cross-site", "same-site")
    page = _page_origin(headers)
    return page is not None and not origins.is_allowed(page)


class OriginCheckMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            origin = Headers(scope=scope).get("origin")
            # Browsers always send Origin on a websocket; only other clients omit it, and
            # they carry no user's browser cookies.
            if origin is not None and not origins.is_allowed(origin):
                await send({"type": "websocket.close", "code": 1008})
                return
        elif scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            headers = Headers(scope=scope)
            cookie_write = not _bearer(headers) and _has_session_cookie(headers)
            if cookie_write and not origins.is_allowed(_page_origin(headers)):
                response = JSONResponse(
                    error_body(
                        "cross_origin_refused",
                        "This request did not come from the portal's own pages.",
                    ),
                    403,
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
