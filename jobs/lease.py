"""A clip's lease: a Redis lock with expiry, renewed by a background thread while its job runs.

It keeps two workers off one clip (a re-enqueued job finds the lock held and stands down),
and its lapse is how the maintenance sweep tells a dead worker from a slow one. Losing it
(Redis lost its data and another job took the clip) sets `lost`; the job then stops without
touching the clip. While Redis is unreachable nobody else can take it either, so the job
carries on and renews when Redis is back.
"""

from __future__ import annotations

import logging
import threading
from contextlib import suppress

from redis import Redis
from redis.exceptions import LockError, RedisError
from redis.lock import Lock

log = logging.getLogger(__name__)


class Lease:
    def __init__(self, conn: Redis, key: str, seconds: int) -> None:
        self._lock: Lock = conn.lock(key, timeout=seconds, blocking=False, thread_local=False)
        self._every = max(seconds / 3, 0.2)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()

    def acquire(self) -> bool:
        if not self._lock.acquire(blocking=False):
            return False
        self._thread = threading.Thread(target=self._renew, name="lease", daemon=True)
        self._thread.start()
        return True

    def _renew(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._lock.reacquire()
            except LockError:
                # Expired (Redis restarted or was unreachable too long): take it back
                # unless another job has it now.
                try:
                    if not self._lock.acquire(blocking=False):
                        log.warning("lease %s lost to another job", self._lock.name)
                        self.lost.set()
                        return
                except RedisError:
                    continue
            except RedisError as exc:
                log.warning("lease %s not renewed: %s", self._lock.name, exc)

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with suppress(LockError, RedisError):  # expired or taken over: nothing to release
            self._lock.release()
