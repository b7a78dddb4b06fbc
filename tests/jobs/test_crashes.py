"""Invariants 3 and 5 against real crashes: a worker SIGKILLed mid-clip, Redis restarted
mid-batch. Afterwards every clip completes with exactly one provider generation, or fails
with exactly one refund; none is stuck, none is refunded twice."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from tests.jobs.conftest import Workers, generations, running
from tests.support.factories import funded_user
from tests.support.servers import RedisServer
from tests.support.videos import photo, refunds, until, video
from v4a_portal.db import session_scope
from v4a_portal.models import FINAL_STATUSES
from v4a_portal.providers.draft_renderer import RenderDir
from v4a_portal.services import ledger, videos
from v4a_portal.services.videos import rq_jobs
from v4a_portal.settings import get_settings


def _settled(video_ids: list[int]) -> bool:
    return all(video(v).status in FINAL_STATUSES for v in video_ids)


def _check_exactly_once(video_ids: list[int], expect: str = "completed") -> None:
    rows = [video(v) for v in video_ids]
    for row in rows:
        assert row.id is not None
        assert row.status in ("completed", "failed"), row
        assert len(refunds(row.id)) == (0 if row.status == "completed" else 1)
    # A crash never costs a second generation: one render per clip, resumed.
    assert generations() == len(rows)
    assert {r.status for r in rows} == {expect}, [(r.id, r.status, r.error_code) for r in rows]
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def _render_failed(provider_job_id: str) -> bool:
    return RenderDir(get_settings().data_dir / "renders" / provider_job_id).error.exists()


@pytest.mark.parametrize("db", ["sqlite_db", "pg_db"])
def test_worker_killed_mid_clip(db: str, request: pytest.FixtureRequest, workers: Workers) -> None:
    request.getfixturevalue(db)
    user = funded_user(100)
    vid = videos.request(user, photo(user), None, "p", "draft", 4, "720x1280", 1).video_ids[0]
    first = workers.start()
    until(lambda: video(vid).progress >= 10, 60, "first worker rendering")
    provider_job_id = video(vid).provider_job_id
    assert provider_job_id is not None

    first.kill()
    # The paid render outlives the worker. It may still run or (on a loaded machine) have
    # finished already; the clip completing below on this one generation is the proof.
    assert not _render_failed(provider_job_id)
    workers.start()  # its ticker sweeps every second; the dead worker's lease lapses in 2
    until(lambda: _settled([vid]), 60, "clip settled")

    row = video(vid)
    assert (row.provider_job_id, row.attempts) == (provider_job_id, 2)
    assert row.rq_job_id == rq_jobs.rq_job_id(vid, 2)
    _check_exactly_once([vid])


def test_machine_lost_mid_clip(sqlite_db: str, workers: Workers) -> None:
    """The worker and the render both die: the resumed job finds the render gone and fails
    the clip with one refund; it does not pay for another generation."""
    user = funded_user(100)
    vid = videos.request(user, photo(user), None, "p", "draft", 8, "720x1280", 1).video_ids[0]
    first = workers.start()
    until(lambda: video(vid).progress >= 10, 60, "first worker rendering")
    provider_job_id = video(vid).provider_job_id
    assert provider_job_id is not None

    first.kill()
    render = RenderDir(get_settings().data_dir / "renders" / provider_job_id)
    os.killpg(int(render.pid.read_text()), signal.SIGKILL)
    workers.start()
    until(lambda: _settled([vid]), 60, "clip settled")

    row = video(vid)
    assert (row.error_code, row.attempts) == ("render_lost", 2)
    assert row.error_message and "refunded" in row.error_message
    _check_exactly_once([vid], expect="failed")
    assert ledger_balance(user) == 100


def ledger_balance(user_id: int) -> int:
    with session_scope() as session:
        return ledger.balance(session, user_id)


def test_redis_restarted_mid_batch(
    pg_db: str, private_redis: RedisServer, workers: Workers
) -> None:
    """A clip in flight keeps going across a Redis restart that loses every key; a clip whose
    RQ job was still queued (lost with Redis) is enqueued again by the sweep the worker runs
    as soon as it sees the data gone, not a sweep interval later."""
    user = funded_user(100)
    first = videos.request(user, photo(user), None, "p", "draft", 4, "720x1280", 1).video_ids
    worker = workers.start()
    until(lambda: video(first[0]).progress >= 20, 60, "first clip rendering")

    os.kill(worker.process.pid, signal.SIGSTOP)  # the next job stays queued in Redis
    queued = videos.request(user, photo(user), None, "p", "draft", 4, "720x1280", 1).video_ids
    private_redis.stop()  # queues, jobs, leases: all gone
    time.sleep(1)
    private_redis.start()
    os.kill(worker.process.pid, signal.SIGCONT)
    ids = first + queued
    until(lambda: _settled(ids), 90, "batch settled")

    assert worker.alive  # RQ's worker reconnects; our sweep re-enqueued what Redis lost
    assert video(queued[0]).rq_job_id == rq_jobs.rq_job_id(queued[0], 2)  # was queued: lost
    assert "sweep enqueued: Redis lost its data" in worker.output()
    _check_exactly_once(ids)


def test_killed_worker_leaves_no_scheduler(sqlite_db: str, workers: Workers) -> None:
    """RQ's scheduler is a fork of the worker; SIGKILL on the worker alone (not its session)
    must not leave the scheduler running and holding the queues' scheduler locks."""
    worker = workers.start()
    until(lambda: _scheduler_pid(worker.output()), 30, "scheduler started")
    scheduler = _scheduler_pid(worker.output())
    assert scheduler and running(scheduler)
    os.kill(worker.process.pid, signal.SIGKILL)
    worker.process.wait(10)
    until(lambda: not running(scheduler), 15, "scheduler gone with its worker")


def _scheduler_pid(log: str) -> int | None:
    found = re.search(r"Scheduler for .* started with PID (\d+)", log)
    return int(found.group(1)) if found else None
