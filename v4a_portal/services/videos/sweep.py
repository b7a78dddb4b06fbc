"""The maintenance sweep over active videos (README, "Video generation"): no video stays
pending or processing without a live RQ job, and none outlives its deadline.

A video is alive while an RQ job or a worker's in-flight watcher holds its lease (a Redis
lock renewed every few seconds; a lease whose holder died on this machine counts as gone), or
its RQ job is on its queue, scheduled for a retry (not long past its time), or just started.
Anything else is an orphan: the web process died between commit and enqueue, Redis lost its
data, a worker was SIGKILLed (its lease lapses long before RQ's own heartbeat marks the job
abandoned; killed just after taking the job off its queue, it leaves a job that says queued
on no queue), no scheduler ran a retry. An orphan moves to the next RQ job round and is
enqueued again; the stored generation id makes the new RQ job resume the paid generation
instead of starting another, and a clip never submitted gets back the attempt its crashed
round took. Past its deadline a video is failed and refunded instead, exactly once whatever
else runs (transitions.finish is conditional).

Run every minute by jobs/maintenance.py; callable directly (tests, an operator).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RqJobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy import CursorResult, and_, case, select, update
from sqlmodel import col

from v4a_portal.db import session_scope
from v4a_portal.models import ACTIVE_STATUSES, Video, VideoStatus, utcnow
from v4a_portal.services import catalog, notices
from v4a_portal.services.errors import InvalidInput
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.videos import generations, rq_jobs, transitions
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)

# Deletes a key only while it still holds the value read before.
_DELETE_IF_SAME = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
)

_WAITING = {RqJobStatus.QUEUED, RqJobStatus.SCHEDULED, RqJobStatus.DEFERRED}


@dataclass
class SweepReport:
    checked: int = 0
    requeued: list[int] = field(default_factory=list)
    timed_out: list[int] = field(default_factory=list)


def deadline(video: Video) -> datetime:
    """When an unfinished clip is given up: the configured time after the request, and at
    least three of its model's job timeouts."""
    minimum = get_settings().video_deadline_minutes * 60
    with suppress(InvalidInput):  # a model switched off since: the configured time
        minimum = max(minimum, 3 * catalog.get(video.model).timeout_seconds)
    return _aware(video.created_at) + timedelta(seconds=minimum)


def _aware(moment: datetime) -> datetime:
    # Stored and returned as UTC; some drivers hand back naive values.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sweep(now: datetime | None = None, conn: Redis | None = None) -> SweepReport:
    now = now or utcnow()
    conn = conn or get_redis()
    report = SweepReport()
    with session_scope() as session:
        active = list(
            session.execute(
                select(Video).where(col(Video.status).in_(ACTIVE_STATUSES)).order_by(col(Video.id))
            ).scalars()
        )
    queued = _QueuedIds(conn)
    for video in active:
        assert video.id is not None
        report.checked += 1
        if now >= deadline(video):
            finished = transitions.finish(
                video.id, VideoStatus.failed, "timed_out", notices.TIMED_OUT, now=now
            )
            if finished is not None:
                report.timed_out.append(video.id)
                if finished.generation_id:
                    generations.cancel_generation(finished.model, finished.generation_id)
        elif not _alive(video, now, conn, queued) and _requeue(video, conn):
            report.requeued.append(video.id)
    if report.requeued or report.timed_out:
        log.info("sweep: requeued %s, timed out %s", report.requeued, report.timed_out)
    return report


def _alive(video: Video, now: datetime, conn: Redis, queued: _QueuedIds) -> bool:
    assert video.id is not None
    key = rq_jobs.lease_key(video.id)
    holder = cast(bytes | None, conn.get(key))
    if holder is not None:
        if not rq_jobs.lease_holder_gone(holder):
            return True
        # Its holder died on this machine: free the clip now rather than when the lease
        # lapses (unless a new holder took it meanwhile).
        conn.eval(_DELETE_IF_SAME, 1, key, holder)
        return False
    grace = timedelta(seconds=2 * get_settings().video_lease_seconds)
    if not video.rq_job_id:
        return False
    try:
        job = Job.fetch(video.rq_job_id, connection=conn)
    except NoSuchJobError:
        # Just created and not enqueued yet is not lost: give the request time to enqueue.
        return now - _aware(video.created_at) < grace
    status = job.get_status(refresh=False)
    if status == RqJobStatus.SCHEDULED:
        # A retry waits for RQ's scheduler to enqueue it at its time. Long past that time
        # no scheduler is running (a SIGKILLed worker's scheduler still held the lock when
        # its replacement started): the clip is as lost as one without a job.
        return _scheduled_at(job, conn) + grace > now
    if status == RqJobStatus.QUEUED:
        return queued.holds(job)
    if status in _WAITING:
        return True
    if status == RqJobStatus.STARTED and job.started_at is not None:
        # Between RQ starting the job and the job taking the lease.
        return now - _aware(job.started_at) < grace
    return False  # finished, failed, stopped or canceled while the clip is still active


class _QueuedIds:
    """Whether a queued job will still be run. RQ takes a job off its queue before it marks
    it started: a worker killed in between leaves a job that says queued on no queue, which
    no worker will ever run. Each queue is read once per sweep, not once per clip; a job
    missing from that read (enqueued since, or popped) is looked up afresh."""

    def __init__(self, conn: Redis) -> None:
        self.conn = conn
        self._ids: dict[str, set[str]] = {}

    def holds(self, job: Job) -> bool:
        queue = Queue(job.origin, connection=self.conn)
        if job.origin not in self._ids:
            self._ids[job.origin] = set(queue.get_job_ids())
        if job.id in self._ids[job.origin]:
            return True
        if self.conn.lpos(queue.key, job.id) is not None:
            return True
        # Off its queue but started a moment later is a live job.
        return job.get_status(refresh=True) != RqJobStatus.QUEUED


def _scheduled_at(job: Job, conn: Redis) -> datetime:
    try:
        when = ScheduledJobRegistry(job.origin, connection=conn).get_scheduled_time(job)
    except NoSuchJobError:  # enqueued meanwhile: as good as due now
        return utcnow()
    return _aware(when)


def _requeue(video: Video, conn: Redis) -> bool:
    """Move the clip to its next job round and enqueue it; False when something else
    (another sweep, the job finishing) changed the row first."""
    assert video.id is not None
    new_id = rq_jobs.next_rq_job_id(video.id, video.rq_job_id)
    current = Video.__table__.c.rq_job_id
    attempts = Video.__table__.c.attempts
    never_submitted = Video.__table__.c.provider_job_id.is_(None)
    same_job = current.is_(None) if video.rq_job_id is None else current == video.rq_job_id
    with session_scope() as session:
        moved = cast(
            CursorResult[Any],
            session.execute(
                update(Video.__table__)
                .where(
                    Video.__table__.c.id == video.id,
                    Video.__table__.c.status.in_(ACTIVE_STATUSES),
                    same_job,
                )
                .values(
                    rq_job_id=new_id,
                    # A clip never submitted to its provider (waiting for a slot) when its
                    # worker died gets that round's attempt back: crashes of the workers
                    # carrying it must not use up a healthy clip's attempts. Its deadline
                    # still ends a clip that never gets anywhere.
                    attempts=case(
                        (and_(never_submitted, attempts > 0), attempts - 1), else_=attempts
                    ),
                )
            ),
        ).rowcount
    if not moved:
        return False
    with session_scope() as session:
        priority = rq_jobs.has_priority(session, video.user_id)
    rq_jobs.enqueue(video.id, new_id, video.model, conn, priority=priority)
    return True
