"""Maintenance every minute: the video sweep (services/video_sweep.py) and the script
orphan sweep (services/script_sweep.py) as an RQ job.

Every worker process runs a `Ticker` thread; once per interval the first ticker to take a
Redis key (SET NX EX) enqueues one sweep on the `maintenance` queue, which workers serve
before the video queue. So the sweep runs about once a minute whatever the number of
workers, needs no extra process, survives any worker dying, and resumes by itself after
Redis restarts (the tickers keep trying). The ticker only touches Redis: the sweep itself
runs as a job, on the worker's loop, like any other database work.

Faults are not left to the next minute: a worker that starts sweeps at once (a worker it
replaces may have died holding clips; a lease whose holder died on this machine is freed
then) and again when the leases of a worker that died elsewhere have lapsed; a ticker that
finds Redis has lost its data (the epoch key is gone) sweeps at once too, since every queued
RQ job went with it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TypedDict

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from v4a_portal.services import queues
from v4a_portal.services.analytics import snapshots
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.scripts import sweep as script_sweep
from v4a_portal.services.videos import sweep as video_sweep
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)

TICK_KEY = "v4a:maintenance:tick"
# Set by the first ticker and never expired: when it is gone, Redis lost its data.
EPOCH_KEY = "v4a:redis:epoch"
CHECK_SECONDS = 1.0  # how often a ticker looks for lost data
ANALYTICS_KEY = "v4a:analytics:refresh"
ANALYTICS_QUEUE = "default"


class SweepResult(TypedDict):
    """The RQ job's result: what each sweep did."""

    checked: int
    requeued: list[int]
    timed_out: list[int]
    scripts_refunded: int
    analytics_refresh_enqueued: bool


def sweep() -> SweepResult:
    """The RQ job."""
    report = video_sweep.sweep()
    scripts_refunded = script_sweep.sweep()
    analytics = enqueue_analytics_refresh()
    return {
        "checked": report.checked,
        "requeued": report.requeued,
        "timed_out": report.timed_out,
        "scripts_refunded": scripts_refunded,
        "analytics_refresh_enqueued": analytics,
    }


def enqueue_analytics_refresh() -> bool:
    """When the precomputed analytics are due, enqueue their refresh (once per interval).

    A job of its own on the `default` queue, served after clips: at a million clips it takes
    a minute or more, which must not hold up the next sweep.
    """
    if not snapshots.due():
        return False
    conn = get_redis()
    interval = get_settings().analytics_refresh_minutes * 60
    if not conn.set(ANALYTICS_KEY, str(time.time()), nx=True, ex=interval):
        return False
    Queue(ANALYTICS_QUEUE, connection=conn).enqueue_call(
        "jobs.maintenance.refresh_analytics",
        job_id=f"analytics-{int(time.time())}",
        timeout=max(1800, interval),
        result_ttl=600,
        failure_ttl=86400,
        description="analytics snapshots of the standard windows",
    )
    return True


def refresh_analytics() -> int:
    """The RQ job: recompute the standard analytics reports."""
    return snapshots.refresh()


def tick(conn: Redis, interval: int) -> bool:
    """Enqueue a sweep unless one was enqueued within `interval` seconds, by anyone."""
    if not conn.set(TICK_KEY, str(time.time()), nx=True, ex=interval):
        return False
    queue = Queue(queues.MAINTENANCE, connection=conn)
    if queue.count:  # the last one is still waiting for a free worker
        return False
    queue.enqueue_call(
        queues.MAINTENANCE_SWEEP,
        job_id=f"maintenance-{int(time.time())}",
        timeout=max(120, interval * 2),
        result_ttl=600,
        failure_ttl=86400,
        description="maintenance sweep (videos, script debits)",
    )
    return True


def sweep_now(conn: Redis, reason: str) -> bool:
    """Enqueue a sweep at once, whatever the interval, unless one is still waiting to run
    (it will see what this one would)."""
    queue = Queue(queues.MAINTENANCE, connection=conn)
    if queue.count:
        return False
    queue.enqueue_call(
        queues.MAINTENANCE_SWEEP,
        job_id=f"maintenance-now-{time.time_ns()}",
        timeout=120,
        result_ttl=600,
        failure_ttl=86400,
        description=f"maintenance sweep ({reason})",
    )
    log.info("sweep enqueued: %s", reason)
    return True


def redis_lost_data(conn: Redis) -> bool:
    """True the first time it is asked after Redis started empty (or lost its data)."""
    return bool(conn.set(EPOCH_KEY, str(time.time()), nx=True))


class Ticker(threading.Thread):
    """Sweeps at start and once leases of a dead worker have lapsed, then every `interval`
    seconds, and at once when Redis lost its data; until `stop`."""

    def __init__(self, conn: Redis, interval: int, lease_seconds: int) -> None:
        super().__init__(name="maintenance-ticker", daemon=True)
        self.conn = conn
        self.interval = interval
        self.lease_seconds = lease_seconds
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        follow_up: float | None = started + self.lease_seconds + 1
        next_tick = started
        first = True
        while True:
            now = time.monotonic()
            try:
                if first:
                    sweep_now(self.conn, "worker started")
                    redis_lost_data(self.conn)
                    first = False
                elif redis_lost_data(self.conn):
                    sweep_now(self.conn, "Redis lost its data")
                if follow_up is not None and now >= follow_up:
                    sweep_now(self.conn, "leases of a dead worker have lapsed")
                    follow_up = None
                if now >= next_tick:
                    tick(self.conn, self.interval)
                    next_tick = now + self.interval
            except RedisError as exc:
                log.warning("maintenance tick failed (will retry): %s", exc)
            if self._stop_event.wait(min(CHECK_SECONDS, self.interval)):
                return

    def stop(self) -> None:
        self._stop_event.set()
