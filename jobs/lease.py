"""A clip's lease: a Redis lock with expiry, renewed while its job (or the worker's in-flight
watcher, jobs/in_flight.py) owns the clip.

It keeps two workers off one clip (a re-enqueued job finds the lock held and stands down),
and its lapse is how the maintenance sweep tells a dead worker from a slow one. Its value
names the holder (`rq_jobs.lease_token`: host and pid), so a sweep on the same machine can
tell at once that the holder died instead of waiting for the lapse. Losing it (Redis lost
its data and another job took the clip) sets `lost`; the owner then stops without touching
the clip. While Redis is unreachable nobody else can take it either, so the owner carries
on and renews when Redis is back.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

from v4a_portal.services.videos import rq_jobs

log = logging.getLogger(__name__)


class Lease:
    def __init__(self, conn: Redis, key: str, seconds: int) -> None:
        self._lock: Lock = conn.lock(key, timeout=seconds, blocking=False, thread_local=False)
        self.every = max(seconds / 3, 0.2)  # how often the owner renews it
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()

    def acquire(self, *, renew_in_background: bool = True) -> bool:
        """Take the lease; with `renew_in_background` a thread of its own renews it until
        `release` or `hand_over`."""
        if not self._lock.acquire(blocking=False, token=rq_jobs.lease_token()):
            return False
        if renew_in_background:
            self._thread = threading.Thread(target=self._renew_loop, name="lease", daemon=True)
            self._thread.start()
        return True

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.every):
            if not self.renew():
                return

    def renew(self) -> bool:
        """One renewal; False when the lease was lost to another job (`lost` is set)."""
        try:
            self._lock.reacquire()
        except LockError:
            # Expired (Redis restarted or was unreachable too long): take it back unless
            # another job has it now.
            try:
                if not self._lock.acquire(blocking=False, token=rq_jobs.lease_token()):
                    log.warning("lease %s lost to another job", self._lock.name)
                    self.lost.set()
                    return False
            except RedisError:
                pass
        except RedisError as exc:
            log.warning("lease %s not renewed: %s", self._lock.name, exc)
        return True

    def hand_over(self) -> None:
        """Stop the background renewals: from now on the new owner calls `renew`."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def release(self) -> None:
        self.hand_over()
        with suppress(LockError, RedisError):  # expired or taken over: nothing to release
            self._lock.release()
