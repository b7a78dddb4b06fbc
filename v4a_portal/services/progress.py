"""Live video progress over Redis pub/sub: one channel per user, one JSON message per change
(the shape of video_jobs.event: video_id, batch_id, status, progress, error_code,
error_message, video_url, thumbnail_url, refunded; a refund adds the new balance).

Workers `publish`; the SSE route and the Reflex UI `listen` (sync) or `listen_async`. Pub/sub
is fire-and-forget: a listener that was not subscribed misses the message, so a listener
subscribes first and reads the current state from the database second (see api/events.py).

`listen_async` listeners on one event loop (every open tab and SSE stream a web process
serves) share one Redis connection, a `_Hub`: it subscribes to a user's channel when that
user's first listener arrives, waits for Redis to confirm (so nothing published after the
listener starts is missed), fans each message out to that user's listeners, and
unsubscribes when the last one leaves.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
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
    """One listener's queue, fed by its hub."""

    def __init__(self, queue: asyncio.Queue[Event | BaseException]) -> None:
        self._queue = queue

    async def get(self, timeout: float) -> Event | None:
        """The next event, or None when none came within `timeout` seconds; raises the
        hub's Redis error when its connection failed."""
        try:
            item = await asyncio.wait_for(self._queue.get(), max(timeout, 0))
        except TimeoutError:
            return None
        if isinstance(item, BaseException):
            raise item
        return item

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        while True:
            event = await self.get(60)
            if event is not None:
                yield event


QUEUE_LIMIT = 1000  # per listener; a listener this far behind loses its oldest messages
CONFIRM_SECONDS = 5.0  # Redis confirms a SUBSCRIBE in well under a millisecond


class _Hub:
    """One pub/sub connection shared by the listeners of one event loop (see above)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._client = aioredis.Redis.from_url(url, socket_connect_timeout=2)
        self._pubsub = self._client.pubsub()
        self._listeners: dict[str, set[asyncio.Queue[Event | BaseException]]] = {}
        self._confirmed: dict[str, asyncio.Future[None]] = {}
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self.closed = False

    async def join(self, name: str) -> asyncio.Queue[Event | BaseException] | None:
        """The new listener's queue, subscribed; None when the hub closed meanwhile (its
        last listener left while this one waited): take a new hub."""
        queue: asyncio.Queue[Event | BaseException] = asyncio.Queue(QUEUE_LIMIT)
        async with self._lock:
            if self.closed:
                return None
            listeners = self._listeners.setdefault(name, set())
            listeners.add(queue)
            if len(listeners) > 1:
                return queue  # subscribed (and confirmed) for the first one
            confirmed = asyncio.get_running_loop().create_future()
            self._confirmed[name] = confirmed
            try:
                await self._pubsub.subscribe(name)
                if self._reader is None:
                    self._reader = asyncio.create_task(self._read(), name="progress-hub")
                await asyncio.wait_for(asyncio.shield(confirmed), CONFIRM_SECONDS)
            except BaseException:
                self._confirmed.pop(name, None)
                await self._drop(name, queue)
                raise
        return queue

    async def leave(self, name: str, queue: asyncio.Queue[Event | BaseException]) -> None:
        async with self._lock:
            await self._drop(name, queue)

    async def _drop(self, name: str, queue: asyncio.Queue[Event | BaseException]) -> None:
        listeners = self._listeners.get(name, set())
        listeners.discard(queue)
        if listeners:
            return
        self._listeners.pop(name, None)
        if not self._listeners:
            await self._close()  # the last listener left: no idle connection kept
        elif not self.closed:
            with suppress(RedisError, OSError):
                await self._pubsub.unsubscribe(name)

    async def _read(self) -> None:
        try:
            while True:
                message = await self._pubsub.get_message(timeout=1.0)
                if message is not None:
                    self._dispatch(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the connection is gone for good (redis-py's retries)
            log.warning("progress hub for %s failed: %s", self._url, exc)
            self._fail(exc if isinstance(exc, (RedisError, OSError)) else RedisError(str(exc)))

    def _dispatch(self, message: dict[str, Any]) -> None:
        name = message.get("channel")
        name = name.decode() if isinstance(name, bytes) else str(name)
        if message.get("type") == "subscribe":
            confirmed = self._confirmed.pop(name, None)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
            return
        event = _decode(message)
        if event is not None:
            for queue in self._listeners.get(name, ()):
                _offer(queue, event)

    def _fail(self, error: BaseException) -> None:
        """Every listener raises `error` on its next get; the next listen makes a new hub."""
        self.closed = True
        for queue in {q for listeners in self._listeners.values() for q in listeners}:
            _offer(queue, error)
        for confirmed in self._confirmed.values():
            if not confirmed.done():
                confirmed.set_exception(error)
        self._confirmed.clear()

    async def _close(self) -> None:
        self.closed = True
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self._reader
        with suppress(RedisError, OSError):
            await self._pubsub.aclose()
            await self._client.aclose()


def _offer(queue: asyncio.Queue[Event | BaseException], item: Event | BaseException) -> None:
    """Queue without blocking the hub: a listener too far behind loses its oldest item."""
    if queue.full():
        with suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(item)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Hub]] = (
    weakref.WeakKeyDictionary()
)


def _hub(url: str) -> _Hub:
    hubs = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = hubs.get(url)
    if hub is None or hub.closed:
        hub = hubs[url] = _Hub(url)
    return hub


@asynccontextmanager
async def listen_async(user_id: int, url: str | None = None) -> AsyncIterator[AsyncListener]:
    """Like `listen`, on the running event loop: subscribed (confirmed by Redis) when the
    block starts, through the loop's shared connection."""
    name = channel(user_id)
    while True:
        hub = _hub(url or get_settings().redis_url)
        queue = await hub.join(name)
        if queue is not None:
            break
    try:
        yield AsyncListener(queue)
    finally:
        await hub.leave(name, queue)
