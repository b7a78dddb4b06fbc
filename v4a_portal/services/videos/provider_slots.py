"""Generations in flight per provider, shared by every worker through Redis.

A slot is a member of a sorted set scored by when it lapses: the worker that holds it renews
it with the clip's lease, so a worker that dies frees its slots by itself. Draft renders are
counted per machine (they use its cores: `V4A_RENDER_CONCURRENCY`); a remote provider per
account (`V4A_<PROVIDER>_MAX_IN_FLIGHT`). A clip that finds no free slot waits, shown as
queued at the provider. A 429 from a provider slows it down for everyone: the backoff is a
Redis key every worker reads before it submits or polls.
"""

from __future__ import annotations

import socket
import time
from typing import cast

from redis import Redis

from v4a_portal.settings import get_settings

# Drop lapsed slots; keep (and renew) the member's own; else add it while there is room.
_ACQUIRE = """
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1])
if redis.call('zscore', KEYS[1], ARGV[3]) then
  redis.call('zadd', KEYS[1], ARGV[2], ARGV[3])
  return 1
end
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('zadd', KEYS[1], ARGV[2], ARGV[3])
  return 1
end
return 0
"""
MAX_BACKOFF_SECONDS = 120.0
# Errors that mean "too many requests" (video_provider.error_for_status): the provider slows
# down for everyone.
SLOW_DOWN_CODES = frozenset({"provider_busy", "rate_limited"})


def limit(provider: str) -> int:
    s = get_settings()
    if provider == "draft":
        return s.render_concurrency
    return int(getattr(s, f"{provider}_max_in_flight", 10))


def key(provider: str) -> str:
    if provider == "draft":  # renders use this machine's cores
        return f"v4a:slots:draft:{socket.gethostname()}"
    return f"v4a:slots:{provider}"


def _lapse() -> float:
    return time.time() + get_settings().video_lease_seconds


def acquire(conn: Redis, provider: str, video_id: int) -> bool:
    """Take (or keep) a slot for the clip; False when the provider is full."""
    now = time.time()
    taken = conn.eval(_ACQUIRE, 1, key(provider), now, _lapse(), video_id, limit(provider))
    return bool(taken)


def renew(conn: Redis, provider: str, video_id: int) -> None:
    conn.zadd(key(provider), {str(video_id): _lapse()}, xx=True)


def release(conn: Redis, provider: str, video_id: int) -> None:
    conn.zrem(key(provider), str(video_id))


def in_flight(conn: Redis, provider: str) -> int:
    return cast(int, conn.zcount(key(provider), time.time(), "+inf"))


def _backoff_key(provider: str) -> str:
    return f"v4a:provider:{provider}:backoff"


def back_off(conn: Redis, provider: str) -> float:
    """A 429 was seen: double the provider's shared pause (from 2 s, at most 2 min)."""
    current = float(cast(bytes | None, conn.get(_backoff_key(provider) + ":seconds")) or 1.0)
    seconds = min(current * 2, MAX_BACKOFF_SECONDS)
    pipe = conn.pipeline()
    pipe.set(_backoff_key(provider), time.time() + seconds, ex=int(seconds) + 1)
    # The pause length is remembered a while, so repeated 429s back off further.
    pipe.set(_backoff_key(provider) + ":seconds", seconds, ex=int(MAX_BACKOFF_SECONDS * 2))
    pipe.execute()
    return seconds


def paused_for(conn: Redis, provider: str) -> float:
    """Seconds left of the provider's shared pause (0 when none)."""
    until = cast(bytes | None, conn.get(_backoff_key(provider)))
    return max(0.0, float(until) - time.time()) if until else 0.0
