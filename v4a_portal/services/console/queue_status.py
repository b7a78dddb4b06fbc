"""What the RQ queues and workers are doing, read from RQ's own registries and worker
records (queues.view), and the clips finished per 10 minutes from the database.

Nothing here keeps a second account of jobs: counts come from each queue's list and
registries, workers from `Worker.all`, failures from the failed job registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.worker import BaseWorker
from sqlalchemy import Integer, cast, func, select
from sqlmodel import col

from v4a_portal.db import get_engine, session_scope
from v4a_portal.models import Video, VideoStatus, utcnow
from v4a_portal.services import permissions, queues
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.videos import rq_jobs

PERMISSION = "queues.view"
FAILED_SHOWN = 50  # newest failed RQ jobs listed per queue
BUCKET_MINUTES = 10
WINDOW_HOURS = 24


@dataclass(frozen=True)
class QueueCounts:
    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int
    finished: int


@dataclass(frozen=True)
class WorkerLine:
    name: str
    host: str
    pid: int
    state: str  # RQ's: "idle", "busy", "suspended", "started"
    queues: list[str]
    current_job_id: str  # "" when idle
    current_video_id: int  # the clip the current job drives; 0 when none
    in_flight: list[int]  # the clips its in-flight watcher carries (jobs/in_flight.py)
    last_heartbeat: datetime | None
    successful: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    description: str
    video_id: int  # 0 when the job drives no clip
    exception: str  # the last line of the traceback
    traceback: str
    ended_at: datetime | None


@dataclass(frozen=True)
class QueueStatus:
    queues: list[QueueCounts]
    workers: list[WorkerLine]
    failed_jobs: list[FailedJob]


@dataclass(frozen=True)
class ThroughputPoint:
    start: datetime  # the bucket's first minute, UTC
    provider: str
    completed: int
    failed: int


def video_of(job: Job | None) -> int:
    """The clip an RQ job drives (its first argument), or 0."""
    if job is None or job.func_name != queues.GENERATE_VIDEO or not job.args:
        return 0
    try:
        return int(job.args[0])
    except (TypeError, ValueError):
        return 0


def _counts(queue: Queue) -> QueueCounts:
    return QueueCounts(
        name=queue.name,
        queued=queue.count,
        started=queue.started_job_registry.count,
        scheduled=queue.scheduled_job_registry.count,
        deferred=queue.deferred_job_registry.count,
        failed=queue.failed_job_registry.count,
        finished=queue.finished_job_registry.count,
    )


def _worker(worker: BaseWorker, conn: Redis) -> WorkerLine:
    job_id = worker.get_current_job_id() or ""
    job = Job.fetch_many([job_id], connection=conn)[0] if job_id else None
    carried = rq_jobs.in_flight(conn, worker.hostname or "", worker.pid or 0)
    state = str(worker.get_state())
    return WorkerLine(
        name=worker.name,
        host=worker.hostname or "",
        pid=worker.pid or 0,
        # Its RQ loop idles between jobs while its watcher carries clips: busy all the same.
        state="busy" if carried and state == "idle" else state,
        queues=worker.queue_names(),
        current_job_id=job_id,
        current_video_id=video_of(job),
        in_flight=carried,
        last_heartbeat=_aware(worker.last_heartbeat),
        successful=worker.successful_job_count,
        failed=worker.failed_job_count,
    )


def _failed(queue: Queue, conn: Redis) -> list[FailedJob]:
    # The registry is sorted by expiry, which follows the failure time: newest last.
    ids = queue.failed_job_registry.get_job_ids(-FAILED_SHOWN, -1)[::-1]
    found = []
    for job in Job.fetch_many(ids, connection=conn):
        if job is None:  # expired between the two reads
            continue
        trace = job.exc_info or ""
        lines = [line for line in trace.strip().splitlines() if line.strip()]
        found.append(
            FailedJob(
                id=job.id,
                queue=queue.name,
                description=job.description or job.func_name or "",
                video_id=video_of(job),
                exception=lines[-1] if lines else "",
                traceback=trace,
                ended_at=_aware(job.ended_at),
            )
        )
    return found


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def snapshot(ctx: StaffContext) -> QueueStatus:
    """Every portal queue's counts, every worker and the newest failed jobs.

    Raises redis errors when Redis does not answer (the page says so).
    """
    permissions.require(ctx.actor, PERMISSION)
    conn = get_redis()
    portal_queues = [Queue(name, connection=conn) for name in queues.ALL]
    workers = sorted(Worker.all(connection=conn), key=lambda w: w.name)
    return QueueStatus(
        queues=[_counts(q) for q in portal_queues],
        workers=[_worker(w, conn) for w in workers],
        failed_jobs=[job for q in portal_queues for job in _failed(q, conn)],
    )


def _bucket_expr() -> Any:
    """The 10-minute bucket of `completed_at`, as whole buckets since 1970 (floor division)."""
    if get_engine().dialect.name == "sqlite":
        epoch = cast(func.strftime("%s", col(Video.completed_at)), Integer)
    else:
        epoch = cast(func.floor(func.extract("epoch", col(Video.completed_at))), Integer)
    return epoch // (BUCKET_MINUTES * 60)


def throughput(ctx: StaffContext, *, now: datetime | None = None) -> list[ThroughputPoint]:
    """Clips completed and failed per 10 minutes over the last 24 h, per provider, counted
    by the database (GROUP BY); buckets with neither are left out."""
    permissions.require(ctx.actor, PERMISSION)
    now = now or utcnow()
    since = now - timedelta(hours=WINDOW_HOURS)
    bucket = _bucket_expr().label("bucket")
    provider = func.coalesce(col(Video.provider), "unknown").label("provider")
    query = (
        select(bucket, provider, col(Video.status), func.count())
        .where(
            col(Video.completed_at) >= since,
            col(Video.status).in_([VideoStatus.completed.value, VideoStatus.failed.value]),
        )
        .group_by(bucket, provider, col(Video.status))
        .order_by(bucket)
    )
    points: dict[tuple[int, str], list[int]] = {}
    with session_scope() as session:
        for number, name, status, count in session.execute(query):
            done_failed = points.setdefault((int(number), str(name)), [0, 0])
            done_failed[0 if status == VideoStatus.completed.value else 1] += int(count)
    step = BUCKET_MINUTES * 60
    return [
        ThroughputPoint(datetime.fromtimestamp(n * step, UTC), name, done, failed)
        for (n, name), (done, failed) in sorted(points.items())
    ]
