"""Staff actions on videos: refund, retry (one or in bulk), cancel.

A refund uses the video's one refund key (`ledger_keys.video_refund`), shared with the RQ
job, a customer cancel and the sweep, so at most one of them pays. A retry is a new video row
linked to the original (`retry_of_id`, unique: each video is retried at most once), created
and paid for like a customer request and enqueued after commit; waived, it costs nothing and
refunds nothing (`charge_waived`, `credits_used` 0). A cancel is the customer's ending.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from redis.exceptions import RedisError
from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import (
    ACTIVE_STATUSES,
    REFUNDING_STATUSES,
    AuditLog,
    LedgerKind,
    User,
    Video,
    VideoStatus,
    utcnow,
)
from v4a_portal.services import audit, catalog, ledger, ledger_keys, notices, permissions, progress
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.console.staff_credits import check_key, check_reason
from v4a_portal.services.errors import Conflict, InsufficientCredits, InvalidInput, NotFound
from v4a_portal.services.videos import generations, rq_jobs, transitions
from v4a_portal.services.videos.events import created, event

log = logging.getLogger(__name__)

MAX_BULK = 1000  # videos per bulk retry; run it again for the rest
_ATTEMPTS = 3  # a bulk retry that met another staff member's retry of the same video


@dataclass(frozen=True)
class Refunded:
    video_id: int
    user_id: int
    credits: int
    balance: int


@dataclass(frozen=True)
class Retried:
    video_id: int  # the new video
    original_id: int
    model: str
    credits: int  # charged to the customer; 0 when waived
    waived: bool
    balance: int
    replayed: bool = False


@dataclass(frozen=True)
class Canceled:
    video_id: int
    user_id: int
    balance: int | None  # after the refund; None when nothing was charged


@dataclass(frozen=True)
class BulkFilters:
    """Which failed videos a bulk retry takes; every field optional. The window is on the
    video's creation time: since inclusive, until exclusive."""

    provider: str | None = None
    model: str | None = None
    error_code: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    user_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class BulkRetry:
    count: int  # videos retried (or that would be, on a dry run)
    credits: int  # what the retries cost: charged to the customers, or waived
    video_ids: list[int]  # the originals retried
    new_video_ids: list[int] = field(default_factory=list)
    skipped_ids: list[int] = field(default_factory=list)  # charged, and the customer was short
    dry_run: bool = False
    replayed: bool = False


# --- refund ------------------------------------------------------------------------------


def refund(ctx: StaffContext, video_id: int, reason: str) -> Refunded:
    """Refund a completed video (goodwill) or a failed/canceled one that was not refunded.

    Conflict `video_active` for a queued or running video (cancel it: that refunds it),
    `nothing_charged` when it cost nothing, `already_refunded` when any ending or staff
    member refunded it first."""
    actor = permissions.require(ctx.actor, "videos.refund")
    reason = check_reason(reason)
    key = ledger_keys.video_refund(video_id)
    with session_scope() as session:
        video = _locked(session, video_id)
        if video.status in ACTIVE_STATUSES:
            raise Conflict(
                "This clip is still running: cancel it instead, which refunds it.",
                code="video_active",
            )
        if video.credits_used <= 0:
            raise Conflict("Nothing was charged for this clip.", code="nothing_charged")
        if ledger.find(session, key) is not None:
            raise _already_refunded()
        try:
            entry = ledger.post(
                session,
                user_id=video.user_id,
                delta=video.credits_used,
                kind=LedgerKind.refund,
                key=key,
                reference=f"video:{video_id}",
                actor_id=actor.id,
                note=f"staff: {reason}"[:500],
            )
        except ledger.DuplicateKey as exc:
            raise _already_refunded() from exc
        refunded_at = video.refunded_at or utcnow()
        session.execute(
            update(Video)
            .where(col(Video.id) == video_id, col(Video.refunded_at).is_(None))
            .values(refunded_at=refunded_at)
        )
        audit.record(
            session,
            actor=actor,
            action="videos.refund",
            target_type="video",
            target_id=video_id,
            target_user_id=video.user_id,
            before={
                "status": video.status,
                "refunded": False,
                "credits": entry.balance_after - entry.delta,
            },
            after={
                "status": video.status,
                "refunded": True,
                "credits": entry.balance_after,
                "amount": entry.delta,
            },
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
        )
        session.flush()
        session.refresh(video)
        payload = event(video, entry.balance_after)
        done = Refunded(video_id, video.user_id, entry.delta, entry.balance_after)
    progress.publish(done.user_id, payload)
    return done


def _already_refunded() -> Conflict:
    return Conflict("This clip was refunded already.", code="already_refunded")


def _locked(session: Session, video_id: int) -> Video:
    """The video, its row locked until commit (PostgreSQL; SQLite serializes writers), so
    no ending changes it between our check and our write."""
    video = session.execute(
        select(Video).where(col(Video.id) == video_id).with_for_update()
    ).scalar_one_or_none()
    if video is None:
        raise NotFound("No such clip.")
    return video


# --- retry -------------------------------------------------------------------------------


def retry(
    ctx: StaffContext,
    video_id: int,
    *,
    charge: bool,
    model: str | None,
    reason: str,
    key: str | None = None,
) -> Retried:
    """A new video from a failed or canceled one's inputs, with the same or another enabled
    model; charged (refused when the customer is short) or waived.

    Conflict `not_retryable` (not failed/canceled), `already_retried` (retried before, not
    with this `key`), `inputs_missing` (its photo was deleted); InsufficientCredits;
    InvalidInput (a model that is off or does not make this duration/size). The same `key`
    again returns the first retry with `replayed=True`."""
    actor = permissions.require(ctx.actor, "videos.retry")
    reason = check_reason(reason)
    batch_id = _batch_id(f"retry:{video_id}:{check_key(key)}" if key else None)
    with session_scope() as session:
        original = _locked(session, video_id)
        earlier = session.execute(
            select(Video).where(col(Video.retry_of_id) == video_id)
        ).scalar_one_or_none()
        if earlier is not None:
            if key is not None and earlier.batch_id == batch_id:
                assert earlier.id is not None
                balance = ledger.balance(session, earlier.user_id)
                return Retried(
                    earlier.id,
                    video_id,
                    earlier.model,
                    earlier.credits_used,
                    earlier.charge_waived,
                    balance,
                    replayed=True,
                )
            raise Conflict(
                f"This clip was retried already (clip {earlier.id}).", code="already_retried"
            )
        if original.status not in REFUNDING_STATUSES:
            raise Conflict(
                f"Only a failed or canceled clip can be retried; this one is {original.status}.",
                code="not_retryable",
            )
        new, balance = _create_retry(session, actor, original, model, charge, batch_id)
        assert new.id is not None
        audit.record(
            session,
            actor=actor,
            action="videos.retry",
            target_type="video",
            target_id=video_id,
            target_user_id=original.user_id,
            before={
                "status": original.status,
                "model": original.model,
                "credits": balance + new.credits_used,
            },
            after={
                "video_id": new.id,
                "model": new.model,
                "charged": new.credits_used,
                "waived": new.charge_waived,
                "credits": balance,
            },
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
        )
        done = Retried(new.id, video_id, new.model, new.credits_used, new.charge_waived, balance)
        queued = [(new.id, new.user_id, new.rq_job_id or "", new.model, created(new))]
    _enqueue(queued)
    return done


def _batch_id(seed: str | None) -> str:
    if seed is None:
        return uuid.uuid4().hex
    return uuid.uuid5(uuid.NAMESPACE_URL, f"v4a:staff:{seed}").hex


def _create_retry(
    session: Session,
    actor: User,
    original: Video,
    model_id: str | None,
    charge: bool,
    batch_id: str,
) -> tuple[Video, int]:
    """Debit (when charged) and add the new video row; returns it and the balance after.
    Raises InsufficientCredits with nothing written."""
    assert original.id is not None
    if original.image_id is None:
        raise Conflict(
            "The photo of this clip was deleted, so it cannot be made again.",
            code="inputs_missing",
        )
    order = catalog.quote(
        model_id or original.model, original.duration, original.size or catalog.PORTRAIT, 1
    )
    price = order.credits if charge else 0
    if price > 0:
        balance = ledger.post(
            session,
            user_id=original.user_id,
            delta=-price,
            kind=LedgerKind.video,
            key=ledger_keys.video_retry_debit(original.id),
            reference=f"batch:{batch_id}",
            actor_id=actor.id,
            note=f"staff retry of video {original.id}: {order.model.id} {order.duration}s",
        ).balance_after
    else:
        balance = ledger.balance(session, original.user_id)
    new = Video(
        user_id=original.user_id,
        image_id=original.image_id,
        script_id=original.script_id,
        prompt=original.prompt,
        model=order.model.id,
        provider=order.model.provider,
        duration=order.duration,
        size=order.size,
        credits_used=price,
        batch_id=batch_id,
        retry_of_id=original.id,
        charge_waived=not charge,
    )
    session.add(new)
    session.flush()
    assert new.id is not None
    new.rq_job_id = rq_jobs.rq_job_id(new.id)
    session.add(new)
    session.flush()
    return new, balance


def _enqueue(queued: Sequence[tuple[int, int, str, str, progress.VideoEvent]]) -> None:
    """After commit, like a customer request: a lost enqueue is the sweep's to repair. The
    `created` message tells the customer's open pages the clip exists."""
    try:
        for video_id, _user_id, job_id, model, _payload in queued:
            rq_jobs.enqueue(video_id, job_id, model)
    except RedisError as exc:
        log.warning("enqueue of staff retries failed, left to the sweep: %s", exc)
    for _video_id, user_id, _job_id, _model, payload in queued:
        progress.publish(user_id, payload)  # never raises: progress is a hint


# --- bulk retry --------------------------------------------------------------------------


def bulk_retry(
    ctx: StaffContext, filters: BulkFilters, *, charge: bool, reason: str, key: str, dry_run: bool
) -> BulkRetry:
    """Retry every failed video matching `filters` (with its own model) that was not retried
    before, oldest first, up to MAX_BULK. A dry run counts them and their credits and writes
    nothing. Charged, a customer who is short is skipped (`skipped_ids`). The same `key`
    again returns the first submit's result (`replayed`); one audit row for the whole."""
    actor = permissions.require(ctx.actor, "videos.bulk_retry")
    assert actor.id is not None
    key = check_key(key)
    if dry_run:
        with session_scope() as session:
            rows = _candidates(session, filters)
        credits = sum(_price(v) for v in rows)
        return BulkRetry(len(rows), credits, [v.id for v in rows if v.id], dry_run=True)
    reason = check_reason(reason)
    for attempt in range(_ATTEMPTS):
        try:
            return _bulk(ctx, actor, filters, charge, reason, key)
        except (IntegrityError, ledger.DuplicateKey):
            # Another staff member retried some of these at the same moment: start over,
            # without the ones now retried.
            if attempt == _ATTEMPTS - 1:
                raise Conflict(
                    "Other retries of these clips are running; try again.", code="busy"
                ) from None
    raise AssertionError("unreachable")


def _bulk(
    ctx: StaffContext, actor: User, filters: BulkFilters, charge: bool, reason: str, key: str
) -> BulkRetry:
    assert actor.id is not None
    queued: list[tuple[int, int, str, str, progress.VideoEvent]] = []
    with session_scope() as session:
        # One bulk retry at a time per staff member: a double submit waits, then replays.
        session.execute(select(col(User.id)).where(col(User.id) == actor.id).with_for_update())
        earlier = _earlier_bulk(session, actor.id, key)
        if earlier is not None:
            return earlier
        originals, new_ids, skipped, credits = [], [], [], 0
        for original in _candidates(session, filters, lock=True):
            assert original.id is not None
            try:
                new, _ = _create_retry(
                    session,
                    actor,
                    original,
                    None,
                    charge,
                    _batch_id(f"bulk:{key}:{original.user_id}"),
                )
            except (InsufficientCredits, InvalidInput, Conflict):
                skipped.append(original.id)
                continue
            assert new.id is not None
            originals.append(original.id)
            new_ids.append(new.id)
            credits += _price(original)
            queued.append((new.id, new.user_id, new.rq_job_id or "", new.model, created(new)))
        result = BulkRetry(len(originals), credits, originals, new_ids, skipped)
        audit.record(
            session,
            actor=actor,
            action="videos.bulk_retry",
            target_type="bulk_retry",
            target_id=key,
            before={"filters": filters.as_dict()},
            after={
                "count": result.count,
                "credits": credits,
                "charged": charge,
                "video_ids": originals,
                "new_video_ids": new_ids,
                "skipped_ids": skipped,
            },
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
        )
    _enqueue(queued)
    return result


def _earlier_bulk(session: Session, actor_id: int, key: str) -> BulkRetry | None:
    row = session.execute(
        select(col(AuditLog.after))
        .where(
            col(AuditLog.action) == "videos.bulk_retry",
            col(AuditLog.actor_id) == actor_id,
            col(AuditLog.target_id) == key[:60],
        )
        .order_by(col(AuditLog.id).desc())
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    after = json.loads(row)
    return BulkRetry(
        after["count"],
        after["credits"],
        after["video_ids"],
        after["new_video_ids"],
        after["skipped_ids"],
        replayed=True,
    )


def _candidates(session: Session, filters: BulkFilters, *, lock: bool = False) -> list[Video]:
    retried = aliased(Video)
    query = select(Video).where(
        col(Video.status) == VideoStatus.failed.value,
        col(Video.image_id).is_not(None),
        ~exists().where(col(retried.retry_of_id) == col(Video.id)),
    )
    if filters.provider:
        query = query.where(col(Video.provider) == filters.provider)
    if filters.model:
        query = query.where(col(Video.model) == filters.model)
    if filters.error_code:
        query = query.where(col(Video.error_code) == filters.error_code)
    if filters.user_id is not None:
        query = query.where(col(Video.user_id) == filters.user_id)
    if filters.since is not None:
        query = query.where(col(Video.created_at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(Video.created_at) < filters.until)
    query = query.order_by(col(Video.id)).limit(MAX_BULK)
    if lock:
        query = query.with_for_update(of=Video)
    return list(session.execute(query).scalars().all())


def _price(video: Video) -> int:
    """What a retry with the video's own model costs now (0 when it is switched off)."""
    try:
        return catalog.get(video.model).price(video.duration)
    except InvalidInput:
        return 0


# --- cancel ------------------------------------------------------------------------------


def cancel(ctx: StaffContext, video_id: int, reason: str) -> Canceled:
    """Cancel a queued or running video: the customer's ending and refund (once). Conflict
    `video_finished` when it has finished already."""
    actor = permissions.require(ctx.actor, "videos.cancel")
    reason = check_reason(reason)
    with session_scope() as session:
        video = _locked(session, video_id)
        before = {"status": video.status}
        if video.status not in ACTIVE_STATUSES:
            raise Conflict(f"This clip is already {video.status}.", code="video_finished")
        owner = video.user_id
        finished = transitions.finish_in(
            session, video_id, VideoStatus.canceled, "canceled", notices.CANCELED
        )
        if finished is None:  # unreachable while the row is locked; kept for safety
            raise Conflict("This clip has finished already.", code="video_finished")
        audit.record(
            session,
            actor=actor,
            action="videos.cancel",
            target_type="video",
            target_id=video_id,
            target_user_id=owner,
            before=before,
            after={"status": VideoStatus.canceled.value, "credits": finished.balance},
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
        )
    finished.publish()
    if finished.generation_id:
        # As a customer cancel: stop a paid generation even when no worker is alive.
        generations.cancel_generation(finished.model, finished.generation_id)
    return Canceled(video_id, owner, finished.balance)
