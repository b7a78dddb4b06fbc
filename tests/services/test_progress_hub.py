"""`progress.listen_async` on one event loop shares one Redis pub/sub connection: subscribed
and confirmed when the block starts, each user's messages to that user's listeners only,
unsubscribed when the last listener leaves, and a lost connection reported to every
listener (the next listen starts over). Each test has a redis-server of its own, so the
connection counts are this test's."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import pytest
from redis import Redis
from redis.exceptions import RedisError

from tests.conftest import run_async
from tests.support.servers import RedisServer
from v4a_portal.services import progress


@pytest.fixture
def server() -> Iterator[RedisServer]:
    found = RedisServer()
    found.start()
    yield found
    found.stop()


@pytest.fixture
def redis_conn(server: RedisServer) -> Redis:
    return Redis.from_url(server.url)


async def _until(condition: Callable[[], bool], seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def _pubsub_clients(conn: Redis) -> int:
    return sum(1 for client in conn.client_list() if int(client.get("sub", 0)) > 0)


def _subscribers(conn: Redis, user_id: int) -> int:
    name = progress.channel(user_id)
    return int(dict(conn.pubsub_numsub(name))[name.encode()])


def test_listeners_share_one_connection_and_get_their_own_messages(
    redis_conn: Redis, server: RedisServer
) -> None:
    url = server.url

    async def scenario() -> dict[str, Any]:
        async with (
            progress.listen_async(1, url) as first,
            progress.listen_async(1, url) as second,
            progress.listen_async(2, url) as other,
        ):
            # Subscribed when the block starts: published at once, nothing is missed.
            progress.publish(1, {"video_id": 7, "progress": 40}, redis_conn)
            seen = {
                "first": await first.get(2),
                "second": await second.get(2),
                "other": await other.get(0.3),
                "connections": _pubsub_clients(redis_conn),
                "channel 1": _subscribers(redis_conn, 1),
            }
        await _until(lambda: _pubsub_clients(redis_conn) == 0)  # closed just after
        seen["channel 1 after"] = _subscribers(redis_conn, 1)
        return seen

    seen = run_async(scenario())
    assert seen["first"] == seen["second"] == {"video_id": 7, "progress": 40}
    assert seen["other"] is None
    assert (seen["connections"], seen["channel 1"]) == (1, 1)
    assert seen["channel 1 after"] == 0


def test_last_listener_of_a_user_unsubscribes_that_user_only(
    redis_conn: Redis, server: RedisServer
) -> None:
    url = server.url

    async def scenario() -> tuple[int, int, dict[str, Any] | None]:
        async with progress.listen_async(2, url) as staying:
            async with progress.listen_async(1, url):
                pass
            await _until(lambda: _subscribers(redis_conn, 1) == 0)  # unsubscribed just after
            progress.publish(2, {"video_id": 3}, redis_conn)
            return _subscribers(redis_conn, 1), _subscribers(redis_conn, 2), await staying.get(2)

    assert run_async(scenario()) == (0, 1, {"video_id": 3})


def test_many_listeners_joining_and_leaving_at_once(redis_conn: Redis, server: RedisServer) -> None:
    url = server.url

    async def one(n: int) -> dict[str, Any] | None:
        async with progress.listen_async(n % 3, url) as listener:
            await asyncio.sleep(0.01 * (n % 5))
            progress.publish(n % 3, {"from": n}, redis_conn)
            while (event := await listener.get(2)) is not None:
                if event == {"from": n}:
                    return event
            return None

    async def scenario() -> list[dict[str, Any] | None]:
        seen = await asyncio.gather(*(one(n) for n in range(30)))
        await _until(lambda: _pubsub_clients(redis_conn) == 0)  # closed once all left
        return seen

    assert run_async(scenario()) == [{"from": n} for n in range(30)]


def test_lost_connection_reaches_every_listener(server: RedisServer) -> None:
    """The test's Redis stopped under two listeners, and started again."""
    publisher = Redis.from_url(server.url)

    async def scenario() -> tuple[list[str], dict[str, Any] | None]:
        errors = []
        async with (
            progress.listen_async(1, server.url) as first,
            progress.listen_async(2, server.url) as second,
        ):
            server.stop()  # gone for good: redis-py's reconnects fail too
            for listener in (first, second):
                with pytest.raises((RedisError, OSError)) as raised:
                    await listener.get(60)
                errors.append(type(raised.value).__name__)
        server.start()
        async with progress.listen_async(1, server.url) as again:  # a new hub and connection
            progress.publish(1, {"back": True}, publisher)
            return errors, await again.get(5)

    errors, event = run_async(scenario())
    assert len(errors) == 2
    assert event == {"back": True}


class _Proxy:
    """A TCP proxy to Redis that can go silent without closing anything, as a connection
    does that a failover or an idle-dropping load balancer left half-open."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.silent = False
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"redis://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/0"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            if not self.silent:
                sink.write(data)
                await sink.drain()

    def close(self) -> None:
        assert self.server is not None
        self.server.close()


def test_a_silent_connection_is_found_out_and_replaced(
    server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "PING_SECONDS", 0.3)
    monkeypatch.setattr(progress, "CONFIRM_SECONDS", 0.5)
    publisher = Redis.from_url(server.url)

    async def scenario() -> tuple[str, str, dict[str, Any] | None]:
        proxy = _Proxy(server.port)
        url = await proxy.start()
        try:
            async with progress.listen_async(1, url) as listener:
                proxy.silent = True  # no error, no close: only silence
                with pytest.raises(RedisError) as silent:
                    await listener.get(10)
            with pytest.raises(RedisError) as unconfirmed:  # a new hub, still silent
                async with progress.listen_async(2, url):
                    pass
            proxy.silent = False
            async with progress.listen_async(2, url) as again:  # and another, answering
                progress.publish(2, {"back": True}, publisher)
                return str(silent.value), str(unconfirmed.value), await again.get(5)
        finally:
            proxy.close()

    silent, unconfirmed, event = run_async(scenario())
    assert "no answer" in silent and "did not confirm" in unconfirmed
    assert event == {"back": True}


def test_a_listener_cancelled_while_another_joins_still_leaves(
    redis_conn: Redis, server: RedisServer
) -> None:
    """A stream whose client went away is cancelled through anyio's cancel scope, which
    cancels every await in it again: leaving must not need one."""

    async def scenario() -> tuple[int, int]:
        scope = anyio.CancelScope()

        async def watching() -> None:
            with scope:
                async with progress.listen_async(1, server.url) as listener:
                    await listener.get(60)

        task = asyncio.create_task(watching())
        await _until(lambda: _subscribers(redis_conn, 1) == 1)
        redis_conn.client_pause(800)  # Redis answers nothing for 0.8 s ...
        joining = asyncio.create_task(_listen_briefly(2, server.url))
        await asyncio.sleep(0.1)  # ... while user 2's listener waits for its confirmation
        scope.cancel()
        await task
        await joining
        await _until(lambda: _pubsub_clients(redis_conn) == 0)  # all left: closed
        return _subscribers(redis_conn, 1), _pubsub_clients(redis_conn)

    assert run_async(scenario()) == (0, 0)


async def _listen_briefly(user_id: int, url: str) -> None:
    async with progress.listen_async(user_id, url):
        await asyncio.sleep(0.2)
