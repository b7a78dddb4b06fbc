"""Requests on another host name than `V4A_PUBLIC_URL`'s go there first, before anything else.

Cookies are kept per host: a sign-in started on `localhost` whose provider returns to
`127.0.0.1` would find no OAuth state cookie. One host for everything avoids that. API
clients get the same answer on either name: bearer-token requests are answered where they
arrive, the others get a redirect that keeps method and body.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from v4a_portal.services import origins

# Liveness probes reach a process by its own address; a redirect would read as "down".
PROBE_PATHS = frozenset({"/api/health", "/ping", "/_health"})
# Server-to-server calls (Stripe's events) carry their own signature and no cookie, and a
# sender need not follow redirects: answered on any host name.
WEBHOOK_PREFIX = "/api/v1/webhooks/"


def _hostname(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000 names the host ::1, as urlsplit does
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class CanonicalHostMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] not in ("http", "websocket")
            or path in PROBE_PATHS
            or path.startswith(WEBHOOK_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        # An API client's bearer token works on any host name, and many clients drop the
        # Authorization header when a redirect changes host: answer it here, as there.
        if not host or _hostname(host) == origins.public_host() or "authorization" in headers:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # A socket cannot follow a redirect; the page it came from will be redirected.
            await send({"type": "websocket.close", "code": 1008})
            return
        target = origins.public_origin() + scope.get("raw_path", scope["path"].encode()).decode(
            "latin-1"
        )
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        # 307 keeps method and body, so a POST lands as a POST; not 308: the public URL is
        # configuration and may change, browsers would cache a permanent redirect.
        await RedirectResponse(target, status_code=307)(scope, receive, send)
