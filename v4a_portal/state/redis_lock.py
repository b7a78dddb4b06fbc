"""Reflex's Redis state lock, made safe to cancel (reflex 0.10.1, `StateManagerRedis`).

With the tabs' state in Redis, an event takes its tab's lock with `SET <tab>_lock <id> NX
PX <redis_lock_expiration>` and deletes it when done. Reflex cancels an event's task when
its tab disconnects or a newer event supersedes it (the page-load chain, a reconnect's
hydrate, `watch_clips`). A task cancelled while its SET is on its way leaves the lock set
in Redis, since Redis ran the command but nobody was left to read the answer: no owner, no
delete, and the tab's next event waits the whole expiry (10 s). `bench/page_load.py
--web-workers 2` showed it: every cancelled SET left the lock behind, and every wait over
2 s was behind such a lock (README, Production layout).

Here the SET runs on even when its caller is cancelled (`asyncio.shield`): the caller gets
its CancelledError at once, and a lock the SET took for it is deleted again (only while it
still holds that caller's id), which also sends the release notice the waiters listen for.
A cancel that lands after the SET answered, while Reflex's waiter bookkeeping still
awaits, gives the lock back the same way. A waiter cancelled after it was woken passes the
wake-up on, so the other waiters in this process do not sleep out the expiry either.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import cast

from redis.exceptions import RedisError
from reflex.istate.manager.redis import StateManagerRedis

logger = logging.getLogger(__name__)

# Delete the lock only while it holds this id: by then it may have expired and been taken.
_RELEASE_IF_OURS = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""

TryGetLock = Callable[[StateManagerRedis, bytes, bytes], Awaitable[bool | None]]
WaitLock = Callable[[StateManagerRedis, bytes, bytes], Awaitable[None]]

# The SETs still on their way whose callers were cancelled, by lock id (each a fresh uuid).
_in_flight: dict[bytes, asyncio.Future[bool | None]] = {}
_giving_back: set[asyncio.Task[None]] = set()


def install() -> None:
    """Wrap the two methods once per process; fails loudly if Reflex renamed them."""
    if getattr(StateManagerRedis, "_v4a_cancel_safe", False):
        return
    take = cast(TryGetLock, StateManagerRedis._try_get_lock)
    wait = cast(WaitLock, StateManagerRedis._wait_lock)
    StateManagerRedis._try_get_lock = _shielded_take(take)  # type: ignore[method-assign,assignment]
    StateManagerRedis._wait_lock = _wait_giving_back(wait)  # type: ignore[method-assign,assignment]
    StateManagerRedis._v4a_cancel_safe = True  # type: ignore[attr-defined]


def _shielded_take(take: TryGetLock) -> TryGetLock:
    @functools.wraps(take)
    async def _try_get_lock(
        self: StateManagerRedis, lock_key: bytes, lock_id: bytes
    ) -> bool | None:
        attempt = asyncio.ensure_future(take(self, lock_key, lock_id))
        try:
            return await asyncio.shield(attempt)
        except asyncio.CancelledError:
            if not attempt.done():  # _give_back awaits its answer
                _in_flight[lock_id] = attempt
                attempt.add_done_callback(lambda done: _answered(lock_id, done))
            raise

    return _try_get_lock


def _answered(lock_id: bytes, attempt: asyncio.Future[bool | None]) -> None:
    _in_flight.pop(lock_id, None)
    if not attempt.cancelled():
        attempt.exception()  # seen: a failed SET took no lock, nothing to log twice


def _wait_giving_back(wait: WaitLock) -> WaitLock:
    @functools.wraps(wait)
    async def _wait_lock(self: StateManagerRedis, lock_key: bytes, lock_id: bytes) -> None:
        try:
            await wait(self, lock_key, lock_id)
        except asyncio.CancelledError:
            task = asyncio.get_running_loop().create_task(_give_back(self, lock_key, lock_id))
            _giving_back.add(task)
            task.add_done_callback(_giving_back.discard)
            raise

    return _wait_lock


async def _give_back(manager: StateManagerRedis, lock_key: bytes, lock_id: bytes) -> None:
    """Delete the lock if the cancelled waiter got it; then wake the next waiter here."""
    attempt = _in_flight.get(lock_id)
    if attempt is not None:
        await asyncio.wait([attempt])
    try:
        released = await cast(Callable[..., Awaitable[int]], manager.redis.eval)(
            _RELEASE_IF_OURS, 1, lock_key, lock_id
        )
    except (RedisError, OSError) as exc:  # it expires on its own
        logger.warning("could not give back the state lock %r: %s", lock_key, exc)
    else:
        if released:
            logger.info("gave back %r, taken by a cancelled event", lock_key)
    manager._notify_next_waiter(lock_key)  # any wake-up the cancelled waiter took
