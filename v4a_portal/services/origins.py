"""Which web origins are the portal's own: the one rule CORS, the cookie-write check, the
websocket handshake check and the canonical-host redirect all ask.

The portal's origin is `V4A_PUBLIC_URL`'s; `V4A_ALLOWED_ORIGINS` may add others (a separate
front end, say). Origins compare as `scheme://host[:port]`, lower case, default port dropped.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from v4a_portal.settings import get_settings

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL or origin, or None when it has no usable one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return (
        f"{scheme}://{host}"
        if port in (None, _DEFAULT_PORTS[scheme])
        else (f"{scheme}://{host}:{port}")
    )


def public_origin() -> str:
    origin = origin_of(get_settings().public_url)
    if origin is None:
        raise ValueError(f"V4A_PUBLIC_URL is not an http(s) URL: {get_settings().public_url!r}")
    return origin


def public_host() -> str:
    """The host name (no port) users must reach the portal at."""
    return urlsplit(public_origin()).hostname or ""


def allowed() -> list[str]:
    """Every origin whose pages may act with the user's cookie, the portal's own first."""
    extra = (origin_of(o) for o in get_settings().allowed_origins)
    return list(dict.fromkeys([public_origin(), *(o for o in extra if o)]))


def is_allowed(origin: str | None) -> bool:
    # "null" (sandboxed frames, file: pages) and anything unparsable are foreign.
    normal = origin_of(origin) if origin else None
    return normal is not None and normal in allowed()
