"""Where a user may be sent after sign-in: local paths only (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(value: str | None) -> str:
    """Only local absolute paths: no scheme, no host, no `//` or backslash tricks."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in value):
        return "/"
    return value
