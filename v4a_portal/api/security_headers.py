"""Security headers on every HTTP answer: pages, API, docs and media.

A route that sets one of these itself (media's stricter policy, the docs page's) keeps its
own; everything else gets the defaults below.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from v4a_portal.services import origins
from v4a_portal.settings import get_settings


def content_security_policy() -> str:
    """The policy the Reflex frontend works under (checked page by page in Chromium).

    Scripts only from the portal itself: 'unsafe-inline' for the inline bootstrap scripts of
    the prerendered pages, 'unsafe-eval' because Reflex runs the scripts a handler sends
    (rx.call_script: sign-out) with eval. Styles inline too (Emotion and Radix write style
    attributes), the event websocket on the portal's own host, pictures and clips over
    https (avatars from the sign-in provider, media from the storage bucket), and no
    framing by anyone.
    """
    own = origins.public_origin()
    socket = own.replace("http", "ws", 1)
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob: https:",
            "media-src 'self' blob: https:",
            "font-src 'self' data:",
            f"connect-src 'self' {socket}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def default_headers() -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if get_settings().secure_cookies:  # served over https
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = default_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
