"""One use per credential: remembers a presented token (by hash) until it expires, so the
same one presented again is refused (ID tokens at POST /api/v1/auth/google)."""

from __future__ import annotations

import hashlib
import time

from redis.exceptions import RedisError

from v4a_portal.services.errors import Unavailable
from v4a_portal.services.redis_conn import get_redis


def first_use(kind: str, token: str, expires_at: float, *, leeway: int = 60) -> bool:
    """True the first time `token` is seen before `expires_at` (unix time, plus `leeway`
    because the verifier accepts that much clock skew); False on every later presentation."""
    ttl = max(1, int(expires_at - time.time()) + leeway)
    key = f"v4a:used:{kind}:{hashlib.sha256(token.encode()).hexdigest()}"
    try:
        return bool(get_redis().set(key, b"1", nx=True, ex=ttl))
    except RedisError as exc:  # cannot tell a replay from a first use: refuse both
        raise Unavailable("Sign-in is unavailable right now; try again shortly.") from exc
