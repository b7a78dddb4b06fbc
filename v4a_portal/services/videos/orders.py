"""A customer's order of videos: request (paid) and cancel (refunded).

A request debits every video's credits and creates the rows in ONE transaction, then
enqueues one RQ job per video only after the commit: an RQ job never sees a row that may
still roll back, and a lost enqueue (the process dies, Redis is down) is repaired by the
maintenance sweep (services/videos/sweep.py), which finds active videos without a live job.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlmodel import col

from v4a_portal.db import session_scope
from v4a_portal.models import LedgerKind, Video, VideoStatus
from v4a_portal.services import (
    catalog,
    idempotency,
    images,
    ledger,
    ledger_keys,
    notices,
    progress,
    scripts,
)
from v4a_portal.services.errors import Conflict, InvalidInput
from v4a_portal.services.scripts import text_format
from v4a_portal.services.videos import events, generations, rq_jobs, transitions
from v4a_portal.services.videos.reads import get_owned

log = logging.getLogger(__name__)

MAX_PROMPT = 2000


@dataclass(frozen=True)
class Requested:
    video_ids: list[int]
    batch_id: str
    credits_used: int
    balance: int
    replayed: bool = False  # the same idempotency key was used before: nothing new


def request(
    user_id: int,
    image_id: int,
    script_id: int | None,
    prompt: str | None,
    model: str,
    duration: int,
    size: str,
    count: int = 1,
    idempotency_key: str | None = None,
) -> Requested:
    """Debit and create `count` pending videos, then enqueue their RQ jobs.

    Raises InvalidInput (a combination the catalog refuses), NotFound (not the user's photo
    or script) or InsufficientCredits (nothing created, nothing spent). A repeated
    `idempotency_key` (a client retrying) returns the first request's videos, paid once.
    """
    order = catalog.quote(model, duration, size, count)
    prompt = (prompt or "").strip()
    if len(prompt) > MAX_PROMPT:
        raise InvalidInput(f"The prompt must be at most {MAX_PROMPT} characters.")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidInput("An idempotency key has 1-200 characters.")
    batch_id = _batch_id(user_id, idempotency_key)
    try:
        return _create(user_id, image_id, script_id, prompt, order, batch_id)
    except ledger.DuplicateKey:
        return _replay(user_id, batch_id, image_id, script_id, prompt, order)


def _batch_id(user_id: int, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return uuid.uuid4().hex
    return uuid.uuid5(uuid.NAMESPACE_URL, f"v4a:videos:{user_id}:{idempotency_key}").hex


def _create(
    user_id: int,
    image_id: int,
    script_id: int | None,
    prompt: str,
    order: catalog.Order,
    batch_id: str,
) -> Requested:
    model, duration, size, count = order.model.id, order.duration, order.size, order.count
    with session_scope() as session:
        images.get_owned(session, user_id, image_id)
        if script_id is not None:
            script = scripts.get_owned(session, user_id, script_id)
            prompt = prompt or _script_prompt(script.script_text)
        if not prompt:
            raise InvalidInput("Choose a script or write a prompt for the video.")
        entry = ledger.post(
            session,
            user_id=user_id,
            delta=-order.credits,
            kind=LedgerKind.video,
            key=ledger_keys.video_batch_debit(batch_id),
            reference=f"batch:{batch_id}",
            note=f"{count} x {model} {duration}s {size}",
        )
        rows = [
            Video(
                user_id=user_id,
                image_id=image_id,
                script_id=script_id,
                prompt=prompt,
                model=model,
                provider=order.model.provider,
                duration=duration,
                size=size,
                credits_used=order.model.price(duration),
                batch_id=batch_id,
            )
            for _ in range(count)
        ]
        session.add_all(rows)
        session.flush()
        priority = rq_jobs.has_priority(session, user_id)
        jobs: list[tuple[int, str]] = []
        for row in rows:
            assert row.id is not None
            row.rq_job_id = rq_jobs.rq_job_id(row.id)
            jobs.append((row.id, row.rq_job_id))
        announced = [events.created(row) for row in rows]
    try:
        for video_id, job_id in jobs:
            rq_jobs.enqueue(video_id, job_id, model, priority=priority)
    except RedisError as exc:  # the sweep enqueues them within a minute
        log.warning("enqueue of batch %s failed, left to the sweep: %s", batch_id, exc)
    for payload in announced:  # the user's other open pages add the new clips
        progress.publish(user_id, payload)
    return Requested([v for v, _ in jobs], batch_id, order.credits, entry.balance_after)


def _replay(
    user_id: int,
    batch_id: str,
    image_id: int,
    script_id: int | None,
    prompt: str,
    order: catalog.Order,
) -> Requested:
    """The videos of an earlier request with the same idempotency key (Conflict when that
    request asked for something else)."""
    with session_scope() as session:
        rows = (
            session.execute(
                select(Video)
                .where(col(Video.user_id) == user_id, col(Video.batch_id) == batch_id)
                .order_by(col(Video.id))
            )
            .scalars()
            .all()
        )
        idempotency.require_same_clips(rows, image_id, script_id, prompt, order)
        balance = ledger.balance(session, user_id)
    return Requested(
        [r.id for r in rows if r.id is not None],
        batch_id,
        sum(r.credits_used for r in rows),
        balance,
        replayed=True,
    )


def _script_prompt(script_text: str) -> str:
    parsed = text_format.parse(script_text)
    return parsed.video_prompt if parsed else ""


@dataclass(frozen=True)
class Canceled:
    video: Video
    balance: int | None  # after the refund; None when nothing was charged


def cancel(user_id: int, video_id: int) -> Canceled:
    """Cancel a queued or running video and refund it (once). NotFound for another user's
    video, Conflict when it already finished."""
    finished = transitions.finish(
        video_id, VideoStatus.canceled, "canceled", notices.CANCELED, user_id=user_id
    )
    with session_scope() as session:
        video = get_owned(session, user_id, video_id)
    if finished is None:
        raise Conflict(f"This clip is already {video.status}.", code="video_finished")
    if finished.generation_id:
        # The running RQ job also notices within a second; asking now stops a paid
        # generation even when no worker is alive.
        generations.cancel_generation(finished.model, finished.generation_id)
    return Canceled(video, finished.balance)
