"""The shared Redis connection (queues, pub/sub, rate limits)."""

from __future__ import annotations

from functools import lru_cache

from redis import Redis

from v4a_portal.settings import get_settings


@lru_cache
def get_redis() -> Redis:
    # No read timeout: RQ workers block on BLPOP for minutes.
    return Redis.from_url(get_settings().redis_url, socket_connect_timeout=2)
