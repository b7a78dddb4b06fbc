"""Live video progress over Redis pub/sub: one channel per user, one JSON message per change
(the shape of video_jobs.event: video_id, batch_id, status, progress, error_code,
error_message, video_url, thumbnail_url, refunded; a refund adds the new balance).

Workers `publish`; the SSE route and the Reflex UI `listen` (sync) or `listen_async`. Pub/sub
is fire-and-forget: a listener that was not subscribed misses the message, so a listener
subscribes first and reads the current state from the database second (see api/events.py).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any

import redis.asyncio as aioredis
from redis import Redis
from redis.client import PubSub
from redis.connection import parse_url
from redis.exceptions import RedisError

from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)

Event = dict[str, Any]


def channel(user_id: int) -> str:
    """`v4a:{db}:progress:{user_id}`. Pub/sub ignores Redis database numbers, so portals
    sharing one Redis server on different databases would hear each other without the db."""
    return f"v4a:{_database(get_settings().redis_url)}:progress:{user_id}"


@lru_cache
def _database(url: str) -> int:
    return int(parse_url(url).get("db") or 0)


def publish(user_id: int, event: Event, conn: Redis | None = None) -> None:
    """Send one event to the user's listeners; never fails the caller (progress is a hint,
    the database is the record)."""
    try:
        (conn or get_redis()).publish(channel(user_id), json.dumps(event, default=str))
    except RedisError as exc:
        log.warning("progress publish failed for user %s: %s", user_id, exc)


def _decode(message: dict[str, Any] | None) -> Event | None:
    if not message or message.get("type") != "message":
        return None
    try:
        event = json.loads(message["data"])
    except (TypeError, ValueError):
        return None
    return event if isinstance(event, dict) else None


class Listener:
    """A subscribed pub/sub connection: `get` waits for the next event."""

    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub

    def get(self, timeout: float) -> Event | None:
        """The next event, or None when none came within `timeout` seconds."""
        until = time.monotonic() + timeout
        while (left := until - time.monotonic()) > 0:
            event = _decode(self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left))
            if event is not None:
                return event
        return None

    def __iter__(self) -> Iterator[Event]:
        while True:
            event = self.get(60)
            if event is not None:
                yield event


@contextmanager
def listen(user_id: int, conn: Redis | None = None) -> Iterator[Listener]:
    """Subscribe to the user's channel for the duration of the block."""
    pubsub = (conn or get_redis()).pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(channel(user_id))
    try:
        yield Listener(pubsub)
    finally:
        pubsub.close()


class AsyncListener:
    def __init__(self, pubsub: aioredis.client.PubSub) -> None:
        self._pubsub = pubsub

    async def get(self, timeout: float) -> Event | None:
        """The next event, or None when none came within `timeout` seconds."""
        until = time.monotonic() + timeout
        while (left := until - time.monotonic()) > 0:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            event = _decode(message)
            if event is not None:
                return event
        return None

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        while True:
            event = await self.get(60)
            if event is not None:
                yield event


@asynccontextmanager
async def listen_async(user_id: int, url: str | None = None) -> AsyncIterator[AsyncListener]:
    """Like `listen`, on the running event loop (redis.asyncio); its own connection."""
    client = aioredis.Redis.from_url(url or get_settings().redis_url, socket_connect_timeout=2)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(channel(user_id))
        yield AsyncListener(pubsub)
    finally:
        await pubsub.aclose()
        await client.aclose()
