"""Live video progress over Redis pub/sub: one channel per user, one JSON message per change
(a `VideoEvent`, made by services/videos/events.py).

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
from typing import Any, NotRequired, TypedDict, cast

import redis.asyncio as aioredis
from redis import Redis
from redis.client import PubSub
from redis.connection import parse_url
from redis.exceptions import RedisError

from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)


class VideoEvent(TypedDict):
    """One change of a video, as workers publish it and SSE / the UI receive it."""

    video_id: int
    batch_id: str | None
    status: str
    progress: int
    error_code: str | None
    error_message: str | None
    video_url: str | None
    thumbnail_url: str | None
    refunded: bool
    balance: NotRequired[int | None]  # the customer's balance after a refund
    # The first message of a clip just ordered (by the customer, staff or the API): open
    # pages that list the user's newest clips add it.
    created: NotRequired[bool]


Event = VideoEvent
# A live view that heard nothing of a video this long re-reads its row: pub/sub drops
# messages across a Redis restart, and the SSE route and the UI loop must not wait forever.
QUIET_SECONDS = 10.0


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
    return cast(Event, event) if isinstance(event, dict) else None


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
# A quiet connection is pinged this often; one that answers nothing for twice as long is
# taken for dead (a half-open TCP connection after a failover raises no error by itself).
PING_SECONDS = 15.0

Queue = asyncio.Queue[Event | BaseException]


class _Hub:
    """One pub/sub connection shared by the listeners of one event loop (see above).

    A listener counts as subscribed only once Redis confirmed its channel's SUBSCRIBE; the
    commands go one at a time (a lock), and their confirmations come back in that order,
    so each channel keeps a FIFO of the confirmations still to come. Leaving never awaits
    (it must hold even while the listener's task is being cancelled): it unregisters the
    queue at once and leaves the UNSUBSCRIBE, or closing the connection, to a task."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._client = aioredis.Redis.from_url(url, socket_connect_timeout=2)
        self._pubsub = self._client.pubsub()
        self._listeners: dict[str, set[Queue]] = {}
        # Each subscribed channel's confirmation, and per channel the confirmations still
        # to come, oldest first.
        self._subscriptions: dict[str, asyncio.Future[None]] = {}
        self._confirming: dict[str, list[asyncio.Future[None]]] = {}
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self._tidying: set[asyncio.Task[None]] = set()
        self.closed = False

    async def join(self, name: str) -> Queue | None:
        """The new listener's queue, subscribed; None when the hub closed meanwhile (its
        last listener left while this one waited): take a new hub."""
        queue: Queue = asyncio.Queue(QUEUE_LIMIT)
        async with self._lock:
            if self.closed:
                return None
            self._listeners.setdefault(name, set()).add(queue)
            confirmed = self._subscriptions.get(name)
            if confirmed is None:
                confirmed = self._subscriptions[name] = self._expect_confirmation(name)
                try:  # (connecting first, for the first one)
                    await asyncio.wait_for(self._pubsub.subscribe(name), CONFIRM_SECONDS)
                except BaseException as exc:
                    self.leave(name, queue)
                    if isinstance(exc, TimeoutError):
                        raise self._unanswered() from None
                    raise
                if self._reader is None:
                    self._reader = asyncio.create_task(self._read(), name="progress-hub")
        try:  # outside the lock: one slow confirmation holds up no other join
            await asyncio.wait_for(asyncio.shield(confirmed), CONFIRM_SECONDS)
        except BaseException as exc:
            self.leave(name, queue)
            if isinstance(exc, TimeoutError):
                raise self._unanswered() from None
            raise
        return queue

    def _unanswered(self) -> RedisError:
        error = RedisError("Redis did not confirm the progress subscription")
        self._fail(error)  # a connection that stopped answering: nobody may use it
        return error

    def _expect_confirmation(self, name: str) -> asyncio.Future[None]:
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Seen, whoever awaits it: a failure nobody waits for any more is no error to log.
        confirmed.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._confirming.setdefault(name, []).append(confirmed)
        return confirmed

    def leave(self, name: str, queue: Queue) -> None:
        listeners = self._listeners.get(name)
        if listeners is not None:
            listeners.discard(queue)
            if not listeners:
                del self._listeners[name]
        task = asyncio.get_running_loop().create_task(self._tidy())
        self._tidying.add(task)
        task.add_done_callback(self._tidying.discard)

    async def _tidy(self) -> None:
        """Unsubscribe channels nobody listens to any more; close when nobody is left."""
        async with self._lock:
            if self.closed:
                return
            if not self._listeners:
                await self._close()  # no idle connection kept
                return
            for name in self._subscriptions.keys() - self._listeners.keys():
                del self._subscriptions[name]
                with suppress(RedisError, OSError):
                    await self._pubsub.unsubscribe(name)

    async def _read(self) -> None:
        heard = pinged = time.monotonic()
        try:
            while True:
                message = await self._pubsub.get_message(timeout=1.0)
                now = time.monotonic()
                if message is not None:
                    heard = now
                    self._dispatch(message)
                elif now - heard > 2 * PING_SECONDS:
                    raise RedisError("no answer from Redis on the progress connection")
                elif now - heard > PING_SECONDS and now - pinged > PING_SECONDS:
                    pinged = now
                    await self._pubsub.ping()  # its pong is a message like any other
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the connection is gone for good (redis-py's retries)
            log.warning("progress hub for %s failed: %s", self._url, exc)
            self._fail(exc if isinstance(exc, (RedisError, OSError)) else RedisError(str(exc)))

    def _dispatch(self, message: dict[str, Any]) -> None:
        name = message.get("channel")
        name = name.decode() if isinstance(name, bytes) else str(name)
        if message.get("type") == "subscribe":
            waiting = self._confirming.get(name)
            if waiting:
                confirmed = waiting.pop(0)
                if not confirmed.done():
                    confirmed.set_result(None)
            return
        event = _decode(message)
        if event is not None:
            for queue in self._listeners.get(name, ()):
                _offer(queue, event)

    def _fail(self, error: BaseException) -> None:
        """Every listener raises `error` on its next get; the next listen makes a new hub."""
        if self.closed:
            return
        self.closed = True
        for queue in {q for listeners in self._listeners.values() for q in listeners}:
            _offer(queue, error)
        for waiting in self._confirming.values():
            for confirmed in waiting:
                if not confirmed.done():
                    confirmed.set_exception(error)
        self._confirming.clear()
        task = asyncio.get_running_loop().create_task(self._release())
        self._tidying.add(task)
        task.add_done_callback(self._tidying.discard)

    async def _close(self) -> None:
        self.closed = True
        await self._release()

    async def _release(self) -> None:
        """Stop the reader and close the connection."""
        reader, self._reader = self._reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            await asyncio.wait([reader])  # not `await reader`: its CancelledError is its own
        with suppress(RedisError, OSError):
            await self._pubsub.aclose()
        with suppress(RedisError, OSError):
            await self._client.aclose()


def _offer(queue: Queue, item: Event | BaseException) -> None:
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
        hub.leave(name, queue)  # never awaits: it holds even while this task is cancelled
