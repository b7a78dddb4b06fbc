"""A video's life after the request: started, generation stored, progress, and the final
states.

Every transition is one conditional UPDATE on the row's status, so whichever of the RQ job,
a cancel or the maintenance sweep comes first wins and the others change nothing; a refund
is written in the same transaction as the failed/canceled status that earns it. Each change
is published to the user's progress channel after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnClause, case, literal_column, select, update
from sqlalchemy.engine import CursorResult, Row
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import (
    ACTIVE_STATUSES,
    GeneratedScript,
    LedgerKind,
    UploadedImage,
    Video,
    VideoStatus,
    utcnow,
)
from v4a_portal.services import catalog, ledger, ledger_keys, notices, progress, storage
from v4a_portal.services.progress import VideoEvent
from v4a_portal.services.videos import rq_jobs
from v4a_portal.services.videos.events import EVENT_COLUMNS, event
from v4a_portal.settings import get_settings

_v = Video.__table__


# The video's photo and script, read by start's UPDATE itself (correlated scalar subqueries
# in RETURNING): no further round trips, and compiled once, by warm_up, before the first job. The
# outer columns are spelled out qualified: SQLAlchemy drops table names in SQLite's RETURNING,
# and a bare `image_id` would bind to the subquery's own table if it ever had one.
_IMAGE_ID: ColumnClause[int] = literal_column(f"{_v.name}.image_id")
_SCRIPT_ID: ColumnClause[int] = literal_column(f"{_v.name}.script_id")
_CLIP_INPUTS = (
    select(col(UploadedImage.file_path))
    .where(col(UploadedImage.id) == _IMAGE_ID)
    .scalar_subquery()
    .label("image_key"),
    select(col(UploadedImage.content_type))
    .where(col(UploadedImage.id) == _IMAGE_ID)
    .scalar_subquery()
    .label("image_content_type"),
    select(col(GeneratedScript.script_text))
    .where(col(GeneratedScript.id) == _SCRIPT_ID)
    .scalar_subquery()
    .label("script_text"),
)


@dataclass(frozen=True)
class StartedVideo:
    """What an RQ job needs to generate one video, read when it starts."""

    id: int
    user_id: int
    batch_id: str | None
    model: str
    prompt: str
    duration: int
    size: str
    generation_id: str | None  # the provider's, once submitted
    attempts: int
    progress: int
    image_key: str | None  # None when the photo was deleted since the request
    image_content_type: str | None
    script_text: str | None


def start(video_id: int, rq_job_id: str | None, *, processing: bool = True) -> StartedVideo | None:
    """Count the attempt and mark the video processing (`processing=False`: leave it queued
    until its generation is submitted, `store_generation`, as the in-flight watcher does
    while the provider has no free slot); None when there is nothing to do (final, or this
    RQ job was superseded by a newer round, or attempts ran out)."""
    where = [_v.c.id == video_id, _v.c.status.in_(ACTIVE_STATUSES)]
    if rq_job_id is not None:
        where.append(_v.c.rq_job_id == rq_job_id)
    values: dict[str, Any] = {"attempts": _v.c.attempts + 1}
    if processing:
        values["status"] = VideoStatus.processing.value
    with session_scope() as session:
        row = session.execute(
            update(_v)
            .where(*where)
            .values(**values)
            .returning(
                *EVENT_COLUMNS,
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
            finished = _finish(
                session,
                video_id,
                VideoStatus.failed,
                "too_many_attempts",
                notices.TOO_MANY_ATTEMPTS,
            )
        else:
            finished = None
            started = _started(row)
    if finished is not None:
        finished.publish()
        return None
    progress.publish(row.user_id, event(row))
    return started


def _started(row: Row[Any]) -> StartedVideo:
    return StartedVideo(
        id=row.id,
        user_id=row.user_id,
        batch_id=row.batch_id,
        model=row.model,
        prompt=row.prompt,
        duration=row.duration,
        size=row.size or catalog.PORTRAIT,
        generation_id=row.provider_job_id,
        attempts=row.attempts,
        progress=row.progress,
        image_key=row.image_key,
        image_content_type=row.image_content_type,
        script_text=row.script_text,
    )


def store_generation(video_id: int, generation_id: str, *, announce: bool = False) -> bool:
    """Remember the paid generation before polling it (the video is processing from now
    on); False when the video is no longer active (canceled meanwhile) or another RQ job
    already stored one."""
    with session_scope() as session:
        row = session.execute(
            update(_v)
            .where(
                _v.c.id == video_id,
                _v.c.status.in_(ACTIVE_STATUSES),
                _v.c.provider_job_id.is_(None),
            )
            .values(provider_job_id=generation_id, status=VideoStatus.processing.value)
            .returning(*EVENT_COLUMNS)
        ).one_or_none()
    if row is None:
        return False
    if announce:  # it was queued (left pending by `start`): it runs now
        progress.publish(row.user_id, event(row))
    return True


def record_progress(video_id: int, percent: int) -> bool:
    """Write progress (never backwards); False when the video is no longer active."""
    with session_scope() as session:
        result = session.execute(
            update(_v)
            .where(_v.c.id == video_id, _v.c.status.in_(ACTIVE_STATUSES))
            .values(progress=case((_v.c.progress < percent, percent), else_=_v.c.progress))
        )
        return cast(CursorResult[Any], result).rowcount == 1


def complete(video_id: int, file_key: str) -> bool:
    """Mark the video completed with its stored file; False when it was canceled or failed
    meanwhile (the caller then deletes the file: the customer was refunded)."""
    store = storage.get_storage()
    with session_scope() as session:
        row = session.execute(
            update(_v)
            .where(_v.c.id == video_id, _v.c.status.in_(ACTIVE_STATUSES))
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
            .returning(*EVENT_COLUMNS)
        ).one_or_none()
    if row is None:
        return False
    progress.publish(row.user_id, event(row))
    return True


@dataclass(frozen=True)
class Finished:
    """A video that just failed or was canceled, and its refund."""

    user_id: int
    model: str
    generation_id: str | None
    balance: int | None
    payload: VideoEvent

    def publish(self) -> None:
        progress.publish(self.user_id, self.payload)


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
    """Fail or cancel an active video and refund it, in one transaction, exactly once:
    None when it is not active (any more), or not `user_id`'s."""
    with session_scope() as session:
        finished = _finish(session, video_id, status, code, message, user_id=user_id, now=now)
    if finished is not None:
        finished.publish()
    return finished


def finish_in(
    session: Session, video_id: int, status: VideoStatus, code: str, message: str
) -> Finished | None:
    """`finish` in the caller's transaction (a staff cancel adds its audit row after it);
    the caller publishes the result after commit. When the refund key was taken already,
    the transaction is rolled back and the ending redone alone, so add nothing before it."""
    return _finish(session, video_id, status, code, message)


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
    where = [_v.c.id == video_id, _v.c.status.in_(ACTIVE_STATUSES)]
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
                key=ledger_keys.video_refund(video_id),
                reference=f"video:{video_id}",
                note=code[:500],
            ).balance_after
        except ledger.DuplicateKey:
            # Refunded already (by staff): the rollback undid our UPDATE; redo it alone.
            return _finish_refunded(session, video_id, status, code, message, where, now)
    return Finished(row.user_id, row.model, row.provider_job_id, balance, event(row, balance))


def _finish_refunded(
    session: Session,
    video_id: int,
    status: VideoStatus,
    code: str,
    message: str,
    where: list[Any],
    now: datetime,
) -> Finished | None:
    first = ledger.find(session, ledger_keys.video_refund(video_id))
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
    """The conditional UPDATE that ends an active video as failed or canceled."""
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
        .returning(*EVENT_COLUMNS, _v.c.credits_used, _v.c.model, _v.c.provider_job_id)
    ).one_or_none()


def warm_up() -> None:
    """Run each transition once against no row (id 0): the worker does this before its
    first RQ job, so no video waits for statements to be compiled."""
    start(0, None)
    start(0, rq_jobs.rq_job_id(0))  # the form an RQ job runs: with its id
    store_generation(0, "-")
    record_progress(0, 0)
    complete(0, storage.video_key(0))
    finish(0, VideoStatus.failed, "-", "-")
