"""`progress.listen_async` on one event loop shares one Redis pub/sub connection: subscribed
and confirmed when the block starts, each user's messages to that user's listeners only,
unsubscribed when the last listener leaves, and a lost connection reported to every
listener (the next listen starts over). Each test has a redis-server of its own, so the
connection counts are this test's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from redis import Redis
from redis.exceptions import RedisError

from tests.conftest import free_port, run_async
from tests.jobs.conftest import RedisServer
from v4a_portal.services import progress


@pytest.fixture
def server() -> Iterator[RedisServer]:
    found = RedisServer(free_port())
    found.start()
    yield found
    found.stop()


@pytest.fixture
def redis_conn(server: RedisServer) -> Redis:
    return Redis.from_url(server.url)


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
        seen["after"] = _pubsub_clients(redis_conn)
        seen["channel 1 after"] = _subscribers(redis_conn, 1)
        return seen

    seen = run_async(scenario())
    assert seen["first"] == seen["second"] == {"video_id": 7, "progress": 40}
    assert seen["other"] is None
    assert (seen["connections"], seen["channel 1"]) == (1, 1)
    assert (seen["after"], seen["channel 1 after"]) == (0, 0)


def test_last_listener_of_a_user_unsubscribes_that_user_only(
    redis_conn: Redis, server: RedisServer
) -> None:
    url = server.url

    async def scenario() -> tuple[int, int, dict[str, Any] | None]:
        async with progress.listen_async(2, url) as staying:
            async with progress.listen_async(1, url):
                pass
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
        return await asyncio.gather(*(one(n) for n in range(30)))

    assert run_async(scenario()) == [{"from": n} for n in range(30)]
    assert _pubsub_clients(redis_conn) == 0


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
