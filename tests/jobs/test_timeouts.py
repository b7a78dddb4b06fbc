"""A clip job that outlives its timeout, in a real worker: RQ's alarm interrupts the job in
the worker process, the retry resumes the same generation (no second render), and the last
try fails the clip with one refund and stops the render at the provider."""

from __future__ import annotations

import os
import signal

from rq.job import Job

from tests.jobs.conftest import Workers, generations, running
from tests.support.factories import funded_user
from tests.support.videos import photo, refunds, until, video
from v4a_portal.db import session_scope
from v4a_portal.providers.draft_renderer import RenderDir
from v4a_portal.services import ledger, videos
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings


def test_timed_out_clip_is_retried_then_failed_once(sqlite_db: str, workers: Workers) -> None:
    user = funded_user(100)
    vid = videos.request(user, photo(user), None, "p", "draft", 4, "720x1280", 1).video_ids[0]
    job = Job.fetch(video(vid).rq_job_id or "", connection=get_redis())
    job.timeout, job.retries_left, job.retry_intervals = 2, 1, [1]  # two tries of 2 s
    job.save()

    worker = workers.start()
    until(lambda: video(vid).provider_job_id is not None, 60, "render submitted")
    render = RenderDir(get_settings().data_dir / "renders" / (video(vid).provider_job_id or ""))
    until(render.pid.exists, 10, "render started")
    pid = int(render.pid.read_text())
    os.killpg(pid, signal.SIGSTOP)  # a generation that hangs: never done, never failed

    until(lambda: video(vid).status == "failed", 60, "clip failed")
    row = video(vid)
    assert (row.error_code, row.attempts) == ("timed_out", 2), row
    assert row.error_message and "refunded" in row.error_message
    assert len(refunds(vid)) == 1 and generations() == 1
    # Stopped at the provider, not left running: just after the failure's commit.
    until(render.canceled.exists, 10, "render canceled")
    until(lambda: not running(pid), 10, "render killed")
    assert worker.alive  # the alarm interrupted the job, not the worker
    with session_scope() as session:
        assert ledger.balance(session, user) == 100
        assert ledger.reconcile(session) == []
