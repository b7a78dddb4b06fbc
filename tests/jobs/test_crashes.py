"""Invariants 3 and 5 against real crashes: a worker SIGKILLed mid-clip, Redis restarted
mid-batch. Afterwards every clip completes with exactly one provider generation, or fails
with exactly one refund; none is stuck, none is refunded twice."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import free_port
from tests.factories import funded_user
from tests.jobs.conftest import Workers, generations
from tests.videos import photo, refunds, until, video
from v4a_portal.db import session_scope
from v4a_portal.providers.draft_renderer import JobDir
from v4a_portal.services import ledger, video_jobs, videos
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings


def _settled(video_ids: list[int]) -> bool:
    return all(video(v).status in video_jobs.FINAL for v in video_ids)


def _check_exactly_once(video_ids: list[int]) -> None:
    rows = [video(v) for v in video_ids]
    completed = [r for r in rows if r.status == "completed"]
    for row in rows:
        assert row.id is not None
        assert row.status in ("completed", "failed"), row
        assert len(refunds(row.id)) == (0 if row.status == "completed" else 1)
    # A crash never costs a second generation: one render per clip, resumed.
    assert generations() == len(rows)
    assert len(completed) == len(rows), [(r.id, r.status, r.error_code) for r in rows]
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def _render_running(provider_job_id: str) -> bool:
    job = JobDir(get_settings().data_dir / "renders" / provider_job_id)
    return not job.video.exists() and not job.error.exists()


@pytest.mark.parametrize("db", ["sqlite_db", "pg_db"])
def test_worker_killed_mid_clip(
    db: str, request: pytest.FixtureRequest, redis_conn: redis.Redis, workers: Workers
) -> None:
    request.getfixturevalue(db)
    user = funded_user(100)
    vid = videos.request_clips(user, photo(user), None, "p", "draft", 8, "720x1280", 1).video_ids[0]
    first = workers.start()
    until(lambda: video(vid).progress >= 10, 60, "first worker rendering")
    provider_job_id = video(vid).provider_job_id
    assert provider_job_id is not None

    first.kill()
    assert _render_running(provider_job_id)  # the paid render outlives the worker
    workers.start()  # its ticker sweeps every second; the dead worker's lease lapses in 2
    until(lambda: _settled([vid]), 60, "clip settled")

    row = video(vid)
    assert (row.provider_job_id, row.attempts) == (provider_job_id, 2)
    assert row.celery_task_id == video_jobs.job_id(vid, 2)
    _check_exactly_once([vid])


@pytest.fixture
def private_redis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(free_port())
    server.start()
    monkeypatch.setenv("REDIS_URL", server.url)
    get_settings.cache_clear()
    get_redis.cache_clear()
    yield server
    server.stop()
    get_settings.cache_clear()
    get_redis.cache_clear()


class RedisServer:
    """A throwaway redis-server without persistence: a restart loses everything."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)


def test_redis_restarted_mid_batch(
    pg_db: str, private_redis: RedisServer, workers: Workers
) -> None:
    user = funded_user(100)
    ids = videos.request_clips(user, photo(user), None, "p", "draft", 4, "720x1280", 2).video_ids
    worker = workers.start()
    until(lambda: video(ids[0]).progress >= 20, 60, "first clip rendering")

    private_redis.stop()  # queues, jobs, leases: all gone
    time.sleep(1)
    private_redis.start()
    until(lambda: _settled(ids), 90, "batch settled")

    assert worker.alive  # RQ's worker reconnects; our sweep re-enqueued what Redis lost
    assert video(ids[1]).celery_task_id == video_jobs.job_id(ids[1], 2)  # was queued: lost
    _check_exactly_once(ids)
