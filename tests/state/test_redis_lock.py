"""Reflex's Redis state lock with v4a_portal/state/redis_lock.py installed: an event cancelled
while its SET ... NX is on its way leaves no lock behind, so the tab's next event takes it
at once instead of after the 10 s expiry. A redis-server of this module's own, whose
replies to that SET come late (the window Reflex's cancels hit under load)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from reflex.istate.manager.redis import StateManagerRedis

from tests.conftest import run_async
from tests.support.servers import RedisServer
from v4a_portal.state import redis_lock

LOCK = b"tab-token_lock"
SET_REPLY_DELAY = 0.3  # the SET has run in Redis; its answer has not come back yet


@pytest.fixture(scope="module")
def server() -> Iterator[RedisServer]:
    found = RedisServer()
    found.start()
    yield found
    found.stop()


class SlowSetRedis(Redis):
    """Its SET NX runs at once in Redis but answers late."""

    async def set(self, *args: Any, **kwargs: Any) -> Any:
        answer = await super().set(*args, **kwargs)
        if kwargs.get("nx"):
            await asyncio.sleep(SET_REPLY_DELAY)
        return answer


async def _cancelled_mid_set(manager: StateManagerRedis) -> None:
    """An event's lock wait, cancelled while its SET NX waits for its answer."""
    waiter = asyncio.create_task(manager._wait_lock(LOCK, b"cancelled-event"))
    await asyncio.sleep(SET_REPLY_DELAY / 3)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter


async def _next_event_wait(url: str) -> tuple[bytes | None, float]:
    """(who holds the lock right after the cancel, how long the next event waits for it)."""
    redis_lock._in_flight.clear()
    manager = StateManagerRedis(redis=SlowSetRedis.from_url(url), lock_expiration=3000)
    try:
        await manager.redis.delete(LOCK)
        await _cancelled_mid_set(manager)
        await asyncio.sleep(SET_REPLY_DELAY * 2)  # the SET has answered by now
        holder = await manager.redis.get(LOCK)
        started = time.monotonic()
        await manager._wait_lock(LOCK, b"next-event")
        return holder, time.monotonic() - started
    finally:
        await manager.close()


def test_without_the_fix_a_cancelled_set_leaves_the_lock_to_expire(
    server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the fix is for, shown on Reflex's own methods."""
    for name in ("_try_get_lock", "_wait_lock"):
        original = getattr(StateManagerRedis, name)
        monkeypatch.setattr(StateManagerRedis, name, getattr(original, "__wrapped__", original))
    holder, waited = run_async(_next_event_wait(server.url))
    assert holder == b"cancelled-event"
    assert waited > 2.0  # the 3 s expiry, less the time since the SET


def test_a_cancelled_set_gives_the_lock_back(server: RedisServer) -> None:
    redis_lock.install()
    holder, waited = run_async(_next_event_wait(server.url))
    assert holder is None
    assert waited < 0.5
    assert not redis_lock._in_flight


def test_install_is_idempotent() -> None:
    redis_lock.install()
    wrapped = StateManagerRedis._try_get_lock
    redis_lock.install()
    assert StateManagerRedis._try_get_lock is wrapped
