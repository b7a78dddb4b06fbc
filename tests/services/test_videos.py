"""Requesting, canceling, listing clips: one transaction for debit + rows, enqueue after
commit, refunds exactly once, ownership. SQLite and PostgreSQL, real Redis."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from tests.api.conftest import settings_env
from tests.support.factories import funded_user
from tests.support.videos import SCRIPT, photo, refunds, script, video
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, Video, VideoStatus
from v4a_portal.services import ledger, videos
from v4a_portal.services.errors import Conflict, InsufficientCredits, InvalidInput, NotFound
from v4a_portal.services.videos import rq_jobs, transitions
from v4a_portal.services.videos import sweep as video_sweep


def _balance(user_id: int) -> int:
    with session_scope() as session:
        return ledger.balance(session, user_id)


def _clean() -> None:
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def _count_videos() -> int:
    with session_scope() as session:
        return int(session.execute(select(func.count()).select_from(Video)).scalar_one())


def test_request_debits_once_creates_rows_then_enqueues(any_db: str, redis_conn: Redis) -> None:
    user = funded_user(100)
    image = photo(user)
    sid = script(user, image)

    result = videos.request(user, image, sid, None, "draft", 4, "720x1280", 3)

    assert (result.credits_used, result.balance) == (12, 88)
    rows = [video(v) for v in result.video_ids]
    assert {(r.status, r.credits_used, r.provider, r.size, r.batch_id) for r in rows} == {
        ("pending", 4, "draft", "720x1280", result.batch_id)
    }
    assert {r.prompt for r in rows} == {SCRIPT.video_prompt}
    jobs = [Job.fetch(r.rq_job_id or "", connection=redis_conn) for r in rows]
    assert [(j.id, j.args) for j in jobs] == [(f"video-{v}-1", (v,)) for v in result.video_ids]
    # The draft model's timeout, and retries for transient errors.
    assert {(j.origin, j.timeout, j.retries_left) for j in jobs} == {("videos", 300, 3)}
    assert Queue("videos", connection=redis_conn).job_ids == [j.id for j in jobs]
    with session_scope() as session:
        debits = session.execute(
            select(CreditLedger).where(CreditLedger.kind == "video", CreditLedger.user_id == user)
        ).scalars()
        assert [(d.delta, d.reference) for d in debits] == [(-12, f"batch:{result.batch_id}")]
    _clean()


@pytest.mark.parametrize(
    ("model", "duration", "size", "count", "words"),
    [
        ("sora-9", 4, "720x1280", 1, "not available"),
        ("draft", 5, "720x1280", 1, "4, 8, 12 seconds"),
        ("draft", 4, "1024x1792", 1, "supports sizes"),
        ("draft", 4, "720x1280", 0, "1 to 9 clips"),
        ("draft", 4, "720x1280", 10, "1 to 9 clips"),
    ],
)
def test_unsupported_combinations_are_refused_before_any_debit(
    sqlite_db: str, redis_conn: Redis, model: str, duration: int, size: str, count: int, words: str
) -> None:
    user = funded_user(100)
    image = photo(user)
    with pytest.raises(InvalidInput, match=words):
        videos.request(user, image, None, "a prompt", model, duration, size, count)
    assert _balance(user) == 100 and _count_videos() == 0


def test_photo_script_and_prompt_rules(sqlite_db: str, redis_conn: Redis) -> None:
    owner, other = funded_user(100), funded_user(100)
    image, others_image = photo(owner), photo(other)
    others_script = script(other, others_image)
    with pytest.raises(NotFound):
        videos.request(owner, others_image, None, "p", "draft", 4, "720x1280", 1)
    with pytest.raises(NotFound):
        videos.request(owner, image, others_script, None, "draft", 4, "720x1280", 1)
    with pytest.raises(InvalidInput, match="script or write a prompt"):
        videos.request(owner, image, None, "  ", "draft", 4, "720x1280", 1)
    assert _balance(owner) == 100 and _count_videos() == 0
    # A prompt of one's own wins over the script's.
    mine = script(owner, image)
    result = videos.request(owner, image, mine, "My own words", "draft", 4, "720x1280", 1)
    assert video(result.video_ids[0]).prompt == "My own words"


def test_short_balance_creates_nothing(any_db: str, redis_conn: Redis) -> None:
    user = funded_user(11)
    image = photo(user)
    with pytest.raises(InsufficientCredits):
        videos.request(user, image, None, "p", "draft", 4, "720x1280", 3)
    assert _balance(user) == 11 and _count_videos() == 0
    assert Queue("videos", connection=redis_conn).count == 0


def test_enqueue_lost_with_redis_is_repaired_by_the_sweep(
    sqlite_db: str, redis_conn: Redis
) -> None:
    user = funded_user(100)
    image = photo(user)
    with settings_env(REDIS_URL="redis://127.0.0.1:1/0"):  # nothing listens there
        result = videos.request(user, image, None, "p", "draft", 4, "720x1280", 2)
    assert result.balance == 92
    assert Queue("videos", connection=redis_conn).count == 0

    report = video_sweep.sweep(now=video(result.video_ids[0]).created_at + timedelta(minutes=5))

    assert report.requeued == result.video_ids
    ids = [video(v).rq_job_id for v in result.video_ids]
    assert ids == [f"video-{v}-2" for v in result.video_ids]
    assert Queue("videos", connection=redis_conn).job_ids == ids
    # Queued jobs are alive: a second sweep leaves them alone.
    assert video_sweep.sweep().requeued == []


def test_sweep_tells_live_jobs_from_orphans(sqlite_db: str, redis_conn: Redis) -> None:
    user = funded_user(100)
    image = photo(user)
    leased, queued, finished, missing = videos.request(
        user, image, None, "p", "draft", 4, "720x1280", 4
    ).video_ids
    later = video(leased).created_at + timedelta(minutes=5)
    redis_conn.set(rq_jobs.lease_key(leased), "someone", ex=30)
    Job.fetch(f"video-{leased}-1", connection=redis_conn).delete()
    # As if its job ran and returned while the row stayed active.
    Job.fetch(f"video-{finished}-1", connection=redis_conn).set_status(JobStatus.FINISHED)
    Job.fetch(f"video-{missing}-1", connection=redis_conn).delete()

    report = video_sweep.sweep(now=later)

    assert sorted(report.requeued) == sorted([finished, missing])
    assert video(leased).rq_job_id == f"video-{leased}-1"
    assert video(queued).rq_job_id == f"video-{queued}-1"
    assert video(missing).rq_job_id == f"video-{missing}-2"


def test_a_job_taken_off_its_queue_by_a_worker_that_died_is_requeued(
    sqlite_db: str, redis_conn: Redis
) -> None:
    """RQ pops a job off its queue before it marks it started: a worker killed in between
    leaves a job that says queued on no queue. The sweep takes it over; a job still on its
    queue is left alone."""
    user = funded_user(100)
    image = photo(user)
    popped, waiting = videos.request(user, image, None, "p", "draft", 4, "720x1280", 2).video_ids
    queue = Queue("videos", connection=redis_conn)
    redis_conn.lrem(queue.key, 0, f"video-{popped}-1")  # what the dead worker's BLPOP did
    assert Job.fetch(f"video-{popped}-1", connection=redis_conn).get_status() == JobStatus.QUEUED

    report = video_sweep.sweep(now=video(popped).created_at + timedelta(minutes=5))

    assert report.requeued == [popped]
    assert video(popped).rq_job_id == f"video-{popped}-2"
    assert video(waiting).rq_job_id == f"video-{waiting}-1"
    assert queue.job_ids == [f"video-{waiting}-1", f"video-{popped}-2"]


def test_a_retry_long_past_its_time_is_requeued(sqlite_db: str, redis_conn: Redis) -> None:
    """A retry waits in RQ's scheduled registry for a scheduler to enqueue it. Long past its
    time no scheduler runs (a killed worker's still held the lock): the sweep takes it over."""
    user = funded_user(100)
    image = photo(user)
    stale, waiting = videos.request(user, image, None, "p", "draft", 4, "720x1280", 2).video_ids
    now = video(stale).created_at + timedelta(minutes=5)
    queue = Queue("videos", connection=redis_conn)
    for vid, when in ((stale, now - timedelta(minutes=3)), (waiting, now + timedelta(seconds=30))):
        job = Job.fetch(f"video-{vid}-1", connection=redis_conn)
        queue.remove(job)
        queue.schedule_job(job, when)
        assert job.get_status() == JobStatus.SCHEDULED

    report = video_sweep.sweep(now=now)

    assert report.requeued == [stale]
    assert video(stale).rq_job_id == f"video-{stale}-2"
    assert video(waiting).rq_job_id == f"video-{waiting}-1"  # its retry is still to come


def test_a_clip_never_submitted_gets_back_the_attempt_of_a_crashed_round(
    any_db: str, redis_conn: Redis
) -> None:
    """Workers killed while a clip only waited for a provider slot do not use up its
    attempts; a clip whose generation was submitted keeps the count (it bounds retries)."""
    user = funded_user(100)
    image = photo(user)
    waiting, submitted = videos.request(user, image, None, "p", "draft", 4, "720x1280", 2).video_ids
    for vid in (waiting, submitted):
        assert transitions.start(vid, f"video-{vid}-1", processing=False) is not None
        Job.fetch(f"video-{vid}-1", connection=redis_conn).delete()  # its worker died
    transitions.store_generation(submitted, "render-1")
    now = video(waiting).created_at + timedelta(minutes=5)

    report = video_sweep.sweep(now=now)

    assert sorted(report.requeued) == sorted([waiting, submitted])
    assert (video(waiting).attempts, video(submitted).attempts) == (0, 1)
    _clean()


def test_overdue_clip_fails_with_one_refund_whatever_runs_after(
    any_db: str, redis_conn: Redis
) -> None:
    user = funded_user(100)
    image = photo(user)
    vid = videos.request(user, image, None, "p", "draft", 8, "1280x720", 1).video_ids[0]
    overdue = video_sweep.deadline(video(vid)) + timedelta(seconds=1)

    first = video_sweep.sweep(now=overdue)
    second = video_sweep.sweep(now=overdue)

    assert first.timed_out == [vid] and second.timed_out == []
    row = video(vid)
    assert (row.status, row.error_code, row.refunded_at is not None) == (
        "failed",
        "timed_out",
        True,
    )
    assert len(refunds(vid)) == 1 and _balance(user) == 100
    # The job that finally runs finds nothing to do; a cancel is refused.
    assert transitions.start(vid, f"video-{vid}-1") is None
    with pytest.raises(Conflict):
        videos.cancel(user, vid)
    _clean()


def test_cancel_queued_refunds_once_and_only_for_the_owner(any_db: str, redis_conn: Redis) -> None:
    owner, other = funded_user(100), funded_user(100)
    image = photo(owner)
    vid = videos.request(owner, image, None, "p", "draft", 4, "720x1280", 1).video_ids[0]

    with pytest.raises(NotFound):
        videos.cancel(other, vid)
    canceled = videos.cancel(owner, vid)
    assert canceled.video.status == "canceled" and canceled.balance == 100
    with pytest.raises(Conflict):
        videos.cancel(owner, vid)
    assert len(refunds(vid)) == 1 and _balance(owner) == 100
    assert transitions.start(vid, f"video-{vid}-1") is None  # the queued job then does nothing
    _clean()


def test_racing_endings_leave_one_final_state_and_at_most_one_refund(
    any_db: str, redis_conn: Redis
) -> None:
    user = funded_user(1000)
    image = photo(user)
    ids = videos.request(user, image, None, "p", "draft", 4, "720x1280", 9).video_ids
    for vid in ids:
        transitions.start(vid, f"video-{vid}-1")
    barrier = threading.Barrier(4)
    wins: list[tuple[int, str]] = []

    def end(vid: int, how: str) -> None:
        barrier.wait()
        if how == "complete":
            won = transitions.complete(vid, f"videos/{user}/x{vid}.mp4")
        elif how == "cancel":
            won = transitions.finish(vid, VideoStatus.canceled, "c", "m", user_id=user) is not None
        else:
            won = transitions.fail(vid, how, "m") is not None
        if won:
            wins.append((vid, how))

    for vid in ids:
        threads = [
            threading.Thread(target=end, args=(vid, how))
            for how in ("complete", "cancel", "timed_out", "provider_error")
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        barrier.reset()

    assert sorted(v for v, _ in wins) == ids  # exactly one winner per clip
    for vid, how in wins:
        row = video(vid)
        expected = "completed" if how == "complete" else "canceled" if how == "cancel" else "failed"
        assert row.status == expected
        assert len(refunds(vid)) == (0 if how == "complete" else 1)
    _clean()


def test_list_filters_and_pages_newest_first(sqlite_db: str, redis_conn: Redis) -> None:
    user, other = funded_user(1000), funded_user(1000)
    image, second_image = photo(user), photo(user, (400, 300))
    sid = script(user, image)
    first = videos.request(user, image, sid, None, "draft", 4, "720x1280", 3)
    second = videos.request(user, second_image, None, "p", "draft", 4, "720x1280", 2)
    videos.request(other, photo(other), None, "p", "draft", 4, "720x1280", 1)
    videos.cancel(user, first.video_ids[0])

    with session_scope() as session:
        rows, total = videos.list_for(session, user, page=1, per_page=4)
        newest_first = [*second.video_ids[::-1], *first.video_ids[::-1]]
        assert total == 5 and [r.id for r in rows] == newest_first[:4]
        rows, total = videos.list_for(session, user, page=2, per_page=4)
        assert [r.id for r in rows] == [first.video_ids[0]]
        assert videos.list_for(session, user, status="canceled")[1] == 1
        assert videos.list_for(session, user, status="pending,canceled")[1] == 5
        assert videos.list_for(session, user, batch_id=second.batch_id)[1] == 2
        assert videos.list_for(session, user, image_id=second_image)[1] == 2
        assert videos.list_for(session, user, script_id=sid)[1] == 3
        with pytest.raises(InvalidInput):
            videos.list_for(session, user, status="exploded")
        with pytest.raises(NotFound):
            videos.get_owned(session, other, first.video_ids[1])
