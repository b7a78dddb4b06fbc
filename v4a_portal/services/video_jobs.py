"""A clip's life after the request: enqueue, start, provider job stored, progress, and the
final states.

Every transition is one conditional UPDATE on the row's status, so whichever of the job, a
cancel or the maintenance sweep comes first wins and the others change nothing; a refund is
written in the same transaction as the failed/canceled status that earns it. Each change is
published to the user's progress channel after commit.

RQ job ids are `video-{id}-{round}`: round 1 is enqueued by the request, and the sweep moves
an orphaned clip to the next round (the row holds the current id). A job of an older round
that RQ itself retries later finds itself superseded and does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from sqlalchemy import case, literal_column, select, update
from sqlalchemy.engine import Row
from sqlmodel import Session

from v4a_portal.db import session_scope
from v4a_portal.models import GeneratedScript, LedgerKind, UploadedImage, Video, VideoStatus, utcnow
from v4a_portal.providers.video_provider import VideoProvider
from v4a_portal.services import catalog, ledger, progress, storage
from v4a_portal.services.errors import InvalidInput
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)

VIDEO_QUEUE = "videos"
JOB_FUNC = "jobs.video.run_clip"
ACTIVE = (VideoStatus.pending.value, VideoStatus.processing.value)
FINAL = (VideoStatus.completed.value, VideoStatus.failed.value, VideoStatus.canceled.value)

_v = Video.__table__


def job_id(video_id: int, round_: int = 1) -> str:
    return f"video-{video_id}-{round_}"


def next_job_id(video_id: int, current: str | None) -> str:
    try:
        round_ = int((current or "").rsplit("-", 1)[1])
    except (IndexError, ValueError):
        round_ = 0
    return job_id(video_id, round_ + 1)


def lease_key(video_id: int) -> str:
    """The Redis lock a running job holds (and renews) for its clip."""
    return f"v4a:video:{video_id}:lease"


def refund_key(video_id: int) -> str:
    return f"refund:video:{video_id}"


def retry_policy() -> Retry:
    s = get_settings()
    backoff = [s.video_retry_seconds * 3**i for i in range(s.video_retries)]
    return Retry(max=s.video_retries, interval=backoff)


def enqueue(video_id: int, rq_job_id: str, model_id: str, conn: Redis | None = None) -> bool:
    """Put the clip's job on the queue; False when a job with this id already exists."""
    try:
        timeout = catalog.get(model_id).timeout_seconds
    except InvalidInput:
        timeout = 600  # a model switched off since the request: the job fails it cleanly
    queue = Queue(VIDEO_QUEUE, connection=conn or get_redis())
    try:
        queue.enqueue_call(
            JOB_FUNC,
            args=(video_id,),
            job_id=rq_job_id,
            timeout=timeout,
            retry=retry_policy(),
            result_ttl=3600,
            failure_ttl=7 * 86400,
            description=f"video {video_id}",
            unique=True,
        )
    except DuplicateJobError:
        return False
    return True


def event(row: Any, **extra: Any) -> progress.Event:
    """The progress message (and SSE payload) for a video row or a RETURNING row."""
    store = storage.get_storage()
    return {
        "video_id": row.id,
        "batch_id": row.batch_id,
        "status": row.status,
        "progress": row.progress,
        "error_code": row.error_code,
        "error_message": row.error_message,
        "video_url": store.url(row.file_path) if row.file_path else None,
        "thumbnail_url": store.url(storage.thumbnail_key(row.file_path)) if row.file_path else None,
        "refunded": row.refunded_at is not None,
        **extra,
    }


def progress_event(clip: Clip, percent: int) -> progress.Event:
    """A running clip's progress message, the same shape as `event`."""
    return {
        "video_id": clip.id,
        "batch_id": clip.batch_id,
        "status": VideoStatus.processing.value,
        "progress": percent,
        "error_code": None,
        "error_message": None,
        "video_url": None,
        "thumbnail_url": None,
        "refunded": False,
    }


_EVENT_COLUMNS = (
    _v.c.id,
    _v.c.user_id,
    _v.c.batch_id,
    _v.c.status,
    _v.c.progress,
    _v.c.error_code,
    _v.c.error_message,
    _v.c.file_path,
    _v.c.refunded_at,
)


# The clip's photo and script, read by start's UPDATE itself (correlated scalar subqueries
# in RETURNING): no further round trips, and compiled once, by warm_up, before the first job. The
# outer columns are spelled out qualified: SQLAlchemy drops table names in SQLite's RETURNING,
# and a bare `image_id` would bind to the subquery's own table if it ever had one.
_IMAGE_ID = literal_column(f"{_v.name}.image_id")
_SCRIPT_ID = literal_column(f"{_v.name}.script_id")
_CLIP_INPUTS = (
    select(UploadedImage.file_path)
    .where(UploadedImage.id == _IMAGE_ID)
    .scalar_subquery()
    .label("image_key"),
    select(UploadedImage.content_type)
    .where(UploadedImage.id == _IMAGE_ID)
    .scalar_subquery()
    .label("image_content_type"),
    select(GeneratedScript.script_text)
    .where(GeneratedScript.id == _SCRIPT_ID)
    .scalar_subquery()
    .label("script_text"),
)


@dataclass(frozen=True)
class Clip:
    """What a job needs to generate one clip, read when it starts."""

    id: int
    user_id: int
    batch_id: str | None
    model: str
    prompt: str
    duration: int
    size: str
    provider_job_id: str | None
    attempts: int
    progress: int
    image_key: str | None  # None when the photo was deleted since the request
    image_content_type: str | None
    script_text: str | None


def start(video_id: int, rq_job_id: str | None) -> Clip | None:
    """Mark the clip processing and count the attempt; None when there is nothing to do
    (final, or this job was superseded by a newer round, or attempts ran out)."""
    where = [_v.c.id == video_id, _v.c.status.in_(ACTIVE)]
    if rq_job_id is not None:
        where.append(_v.c.celery_task_id == rq_job_id)
    with session_scope() as session:
        row = session.execute(
            update(_v)
            .where(*where)
            .values(status=VideoStatus.processing.value, attempts=_v.c.attempts + 1)
            .returning(
                *_EVENT_COLUMNS,
                _v.c.model,
                _v.c.prompt,
                _v.c.duration,
                _v.c.size,
                _v.c.provider_job_id,
                _v.c.attempts,
                *_CLIP_INPUTS,
            )
        ).one_or_none()
        if row is None:
            return None
        if row.attempts > get_settings().video_max_attempts:
            finished = _finish(session, video_id, VideoStatus.failed, *TOO_MANY_ATTEMPTS)
        else:
            finished = None
            clip = _clip(row)
    if finished is not None:
        finished.publish()
        return None
    progress.publish(row.user_id, event(row))
    return clip


def _clip(row: Row[Any]) -> Clip:
    return Clip(
        id=row.id,
        user_id=row.user_id,
        batch_id=row.batch_id,
        model=row.model,
        prompt=row.prompt,
        duration=row.duration,
        size=row.size or catalog.PORTRAIT,
        provider_job_id=row.provider_job_id,
        attempts=row.attempts,
        progress=row.progress,
        image_key=row.image_key,
        image_content_type=row.image_content_type,
        script_text=row.script_text,
    )


def store_provider_job(video_id: int, provider_job_id: str) -> bool:
    """Remember the paid generation before polling it; False when the clip is no longer
    active (canceled meanwhile) or another job already stored one."""
    with session_scope() as session:
        result = session.execute(
            update(_v)
            .where(_v.c.id == video_id, _v.c.status.in_(ACTIVE), _v.c.provider_job_id.is_(None))
            .values(provider_job_id=provider_job_id)
        )
        return result.rowcount == 1


def record_progress(video_id: int, percent: int) -> bool:
    """Write progress (never backwards); False when the clip is no longer active."""
    with session_scope() as session:
        result = session.execute(
            update(_v)
            .where(_v.c.id == video_id, _v.c.status.in_(ACTIVE))
            .values(progress=case((_v.c.progress < percent, percent), else_=_v.c.progress))
        )
        return result.rowcount == 1


def complete(video_id: int, file_key: str) -> bool:
    """Mark the clip completed with its stored file; False when it was canceled or failed
    meanwhile (the caller then deletes the file: the customer was refunded)."""
    store = storage.get_storage()
    with session_scope() as session:
        row = session.execute(
            update(_v)
            .where(_v.c.id == video_id, _v.c.status.in_(ACTIVE))
            .values(
                status=VideoStatus.completed.value,
                progress=100,
                file_path=file_key,
                video_url=store.public_url(file_key),
                thumbnail_url=store.public_url(storage.thumbnail_key(file_key)),
                completed_at=utcnow(),
                error_code=None,
                error_message=None,
            )
            .returning(*_EVENT_COLUMNS)
        ).one_or_none()
    if row is None:
        return False
    progress.publish(row.user_id, event(row))
    return True


@dataclass(frozen=True)
class Finished:
    """A clip that just failed or was canceled, and its refund."""

    user_id: int
    model: str
    provider_job_id: str | None
    balance: int | None
    payload: progress.Event

    def publish(self) -> None:
        progress.publish(self.user_id, self.payload)


TIMED_OUT = ("timed_out", "This clip took too long and was stopped. Your credits were refunded.")
TOO_MANY_ATTEMPTS = (
    "too_many_attempts",
    "This clip failed repeatedly on our side. Your credits were refunded.",
)


def fail(video_id: int, code: str, message: str) -> Finished | None:
    return finish(video_id, VideoStatus.failed, code, message)


def finish(
    video_id: int,
    status: VideoStatus,
    code: str,
    message: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Finished | None:
    """Fail or cancel an active clip and refund it, in one transaction, exactly once:
    None when it is not active (any more), or not `user_id`'s."""
    with session_scope() as session:
        finished = _finish(session, video_id, status, code, message, user_id=user_id, now=now)
    if finished is not None:
        finished.publish()
    return finished


def _finish(
    session: Session,
    video_id: int,
    status: VideoStatus,
    code: str,
    message: str,
    *,
    user_id: int | None = None,
    now: datetime | None = None,
) -> Finished | None:
    where = [_v.c.id == video_id, _v.c.status.in_(ACTIVE)]
    if user_id is not None:
        where.append(_v.c.user_id == user_id)
    now = now or utcnow()
    row = _end(session, where, status, code, message, now, refunded_at=now)
    if row is None:
        return None
    balance = None
    if row.credits_used > 0:
        try:
            balance = ledger.post(
                session,
                user_id=row.user_id,
                delta=row.credits_used,
                kind=LedgerKind.refund,
                key=refund_key(video_id),
                reference=f"video:{video_id}",
                note=code[:500],
            ).balance_after
        except ledger.DuplicateKey:
            # Refunded already (by staff): the rollback undid our UPDATE; redo it alone.
            return _finish_refunded(session, video_id, status, code, message, where, now)
    return Finished(
        row.user_id, row.model, row.provider_job_id, balance, event(row, balance=balance)
    )


def _finish_refunded(
    session: Session,
    video_id: int,
    status: VideoStatus,
    code: str,
    message: str,
    where: list[Any],
    now: datetime,
) -> Finished | None:
    first = ledger.find(session, refund_key(video_id))
    row = _end(session, where, status, code, message, now, first.created_at if first else now)
    if row is None:
        return None
    return Finished(row.user_id, row.model, row.provider_job_id, None, event(row))


def _end(
    session: Session,
    where: list[Any],
    status: VideoStatus,
    code: str,
    message: str,
    now: datetime,
    refunded_at: datetime,
) -> Row[Any] | None:
    """The conditional UPDATE that ends an active clip as failed or canceled."""
    return session.execute(
        update(_v)
        .where(*where)
        .values(
            status=status.value,
            error_code=code[:60],
            error_message=message,
            completed_at=now,
            refunded_at=refunded_at,
        )
        .returning(*_EVENT_COLUMNS, _v.c.credits_used, _v.c.model, _v.c.provider_job_id)
    ).one_or_none()


def provider_for(model_id: str) -> VideoProvider:
    """The provider behind a catalog model (InvalidInput when the model is switched off)."""
    from v4a_portal.providers import video_registry  # imports the provider SDKs: lazily

    return video_registry.provider_for(catalog.get(model_id))


def cancel_at_provider(model_id: str, provider_job_id: str) -> bool:
    """Ask the provider to stop a generation; best effort, False when it could not."""
    try:
        return bool(provider_for(model_id).cancel(provider_job_id))
    except Exception as exc:  # a cancel that fails must not fail the caller's cancel
        log.warning("provider cancel of %s (%s) failed: %s", provider_job_id, model_id, exc)
        return False


def warm_up() -> None:
    """Run each transition once against no row (id 0): the worker does this before its
    first job, so no clip waits for statements to be compiled."""
    start(0, None)
    start(0, job_id(0))  # the form a job runs: with its RQ job id
    store_provider_job(0, "-")
    record_progress(0, 0)
    complete(0, storage.video_key(0))
    finish(0, VideoStatus.failed, "-", "-")
