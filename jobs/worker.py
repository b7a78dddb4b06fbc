"""Worker entry: `python -m jobs.worker` runs an RQ worker on the portal's queues, with RQ's
scheduler (retries with backoff) and the maintenance ticker (jobs/maintenance.py).

Jobs run in the worker process itself (RQ's SimpleWorker), not in a work horse forked per
job. A clip job is short: it hands the clip to the worker's in-flight watcher
(jobs/in_flight.py), which submits, polls and finishes many clips at once, so no worker
sleeps on a provider. A fork per job would also pay for a new PostgreSQL connection (and a
backend with cold catalog caches) and a new Redis connection every time, about three times
the cost of the job's own work (bench/pipeline.py). What the fork would protect is covered
elsewhere: a worker that dies loses its clips' leases, and the maintenance sweep hands them
to another worker, which resumes the paid generations (tests/jobs/test_crashes.py).
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import logging
import os
import signal
import time
from contextlib import suppress

import imageio_ffmpeg
from PIL import Image
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from sqlalchemy.orm import configure_mappers

import jobs.in_flight
import jobs.maintenance
import jobs.video  # imported before the first job, not during it
from v4a_portal.db import get_engine
from v4a_portal.services import catalog, queues
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.videos import transitions
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)


_PR_SET_PDEATHSIG = 1


def _in_forked_child(worker_pid: int) -> None:
    """In a process this worker forks (RQ's scheduler): leave the worker's database
    connections to the worker, and be sent SIGTERM when the worker dies, even by SIGKILL, so
    no orphaned scheduler keeps the queues' scheduler locks from the worker that replaces
    it. (Renders are started by exec, without this hook: they must outlive the worker.)"""
    if get_engine.cache_info().currsize:
        get_engine().dispose(close=False)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the scheduler's lock TTL still frees it
        return
    if os.getppid() != worker_pid:  # the worker died before the call above
        os.kill(os.getpid(), signal.SIGTERM)


def _warm_up() -> None:
    """Do before the first job what it would otherwise wait for: map the ORM classes,
    initialise the database dialect and compile the job's statements, find and check the
    ffmpeg binary, load Pillow's plugins."""
    configure_mappers()
    try:
        transitions.warm_up()  # also initialises the dialect on a first connection
    except Exception as exc:  # the jobs report it; the worker still serves Redis
        log.warning("database not ready at worker start: %s", exc)
        get_engine().dispose()
    imageio_ffmpeg.get_ffmpeg_exe()
    Image.init()  # Pillow's format plugins (providers' thumbnails), else loaded in a job
    _import_providers()


def _import_providers() -> None:
    """The enabled providers' modules and SDKs (google-genai, openai take a second to import);
    the registry imports them lazily, which would otherwise happen in the first clip job."""
    from v4a_portal.providers import video_registry  # noqa: F401

    for provider in {model.provider for model in catalog.models()} - {"draft"}:
        try:
            importlib.import_module(f"v4a_portal.providers.{provider}")
        except ImportError as exc:
            log.warning("video provider %s not importable: %s", provider, exc)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = get_settings()
    conn = get_redis()
    _warm_up()
    # Everything imported and warmed up so far lives as long as the worker: out of the
    # collector's sight, the full collections during jobs no longer walk all of it.
    gc.collect()
    gc.freeze()
    worker_pid = os.getpid()
    os.register_at_fork(after_in_child=lambda: _in_forked_child(worker_pid))
    # Its own connection pool: the ticker thread never shares a socket with the worker loop.
    ticker = jobs.maintenance.Ticker(
        Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=10),
        settings.maintenance_seconds,
        settings.video_lease_seconds,
    )
    ticker.start()
    watcher = jobs.in_flight.InFlight().start()
    served = [Queue(name, connection=conn) for name in queues.ALL]
    try:
        _work_until_stopped(served, conn)
    finally:
        ticker.stop()
        if len(watcher):
            watcher.stop()  # gives its clips back: another worker resumes them
            with suppress(RedisError):
                jobs.maintenance.sweep_now(conn, "a worker stopped with clips in flight")
        else:
            watcher.stop()


def _work_until_stopped(queues: list[Queue], conn: Redis) -> None:
    """Run the RQ worker; when Redis goes away under it (restart, failover) RQ's loop
    exits with a connection error: wait for Redis and start a fresh worker instead of
    leaving the queue without one. A normal stop (SIGTERM) ends the loop."""
    while True:
        try:
            # RQ retries a scheduler lock it lost (held by a SIGKILLed worker's scheduler
            # until it lapses) only at its maintenance interval, 10 minutes by default:
            # meanwhile no retry would be enqueued. Check every sweep interval instead.
            interval = get_settings().maintenance_seconds
            worker = SimpleWorker(queues, connection=conn, maintenance_interval=interval)
            worker.work(with_scheduler=True)
            return
        except RedisConnectionError as exc:
            log.warning("Redis connection lost (%s); restarting the worker when it is back", exc)
        while True:
            time.sleep(1)
            try:
                conn.ping()
                break
            except RedisConnectionError:
                continue


if __name__ == "__main__":
    main()
