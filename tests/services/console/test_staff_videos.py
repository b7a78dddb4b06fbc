"""Staff refund, retry, bulk retry and cancel of videos: rows, ledger, audit, and the races
with the customer's cancel, the RQ job's ending and the sweep."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from tests.services.console.staff import (
    PRICE,
    audit_rows,
    balance,
    ctx,
    paid_video,
    reconciled,
)
from tests.support.factories import funded_user
from tests.support.videos import refunds, video
from v4a_portal.db import session_scope
from v4a_portal.models import LedgerKind, Role, Video, VideoStatus, utcnow
from v4a_portal.services import ledger, ledger_keys, notices, queues, videos
from v4a_portal.services.console import staff_videos
from v4a_portal.services.console.staff_videos import BulkFilters
from v4a_portal.services.errors import Conflict, Forbidden, InsufficientCredits, InvalidInput
from v4a_portal.services.videos import sweep, transitions


def _queued(conn: Redis) -> set[str]:
    return set(Queue(queues.VIDEOS, connection=conn).job_ids)


# --- refund ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["completed", "failed", "canceled"])
def test_refund_pays_once_and_audits(any_db: str, redis_conn: Redis, status: str) -> None:
    customer = funded_user(20)
    vid = paid_video(customer, status)
    support = ctx(Role.support)

    done = staff_videos.refund(support, vid, "customer unhappy")

    assert (done.credits, done.balance) == (PRICE, 20)
    [entry] = refunds(vid)
    assert (entry.idempotency_key, entry.actor_id) == (
        ledger_keys.video_refund(vid),
        support.actor.id,
    )
    assert video(vid).refunded_at is not None and video(vid).status == status
    [row] = audit_rows()
    assert (row.action, row.target_type, row.target_id, row.target_user_id) == (
        "videos.refund",
        "video",
        str(vid),
        customer,
    )
    assert json.loads(row.before or "")["refunded"] is False
    assert json.loads(row.after or "") | {} == {
        "status": status,
        "refunded": True,
        "credits": 20,
        "amount": PRICE,
    }
    with pytest.raises(Conflict) as again:
        staff_videos.refund(support, vid, "twice")
    assert again.value.code == "already_refunded"
    assert len(refunds(vid)) == 1 and len(audit_rows()) == 1 and reconciled() == []


def test_refund_refuses_active_free_and_automatically_refunded(
    any_db: str, redis_conn: Redis
) -> None:
    customer = funded_user(20)
    admin = ctx(Role.admin)
    active = paid_video(customer, "processing")
    free = paid_video(customer, "completed", credits=0)
    ended = paid_video(customer, "processing")
    assert transitions.fail(ended, "provider_error", notices.GENERATION_FAILED) is not None
    for vid, code in (
        (active, "video_active"),
        (free, "nothing_charged"),
        (ended, "already_refunded"),
    ):
        with pytest.raises(Conflict) as refused:
            staff_videos.refund(admin, vid, "x")
        assert refused.value.code == code
    with pytest.raises(Forbidden):
        staff_videos.refund(ctx(Role.analyst), ended, "x")
    assert audit_rows() == [] and len(refunds(ended)) == 1 and reconciled() == []


def _race(calls: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        barrier.wait()
        try:
            return call()
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_staff_refund_and_cancel_race_customer_cancel_job_and_sweep(
    any_db: str, redis_conn: Redis
) -> None:
    """Every ending at once, on several videos: each is refunded exactly once."""
    customer = funded_user(100)
    support = ctx(Role.support)
    vids = [paid_video(customer, "processing") for _ in range(6)]
    late = utcnow() + timedelta(days=1)
    for vid in vids:
        results = _race(
            [
                lambda v=vid: staff_videos.refund(support, v, "race"),
                lambda v=vid: staff_videos.cancel(support, v, "race"),
                lambda v=vid: videos.cancel(customer, v),
                lambda v=vid: transitions.fail(v, "provider_error", notices.GENERATION_FAILED),
                lambda: sweep.sweep(now=late, conn=redis_conn),
            ]
        )
        assert len(refunds(vid)) == 1, results
        assert video(vid).status in ("canceled", "failed")
    staff_actions = sum(1 for row in audit_rows())
    assert staff_actions <= len(vids)  # a staff action that lost the race wrote nothing
    assert balance(customer) == 100 and reconciled() == []


# --- retry -------------------------------------------------------------------------------


def test_charged_retry_is_a_new_linked_video_paid_like_a_request(
    any_db: str, redis_conn: Redis
) -> None:
    customer = funded_user(10)
    original = paid_video(customer, "failed", error_code="provider_error")
    support = ctx(Role.support)

    done = staff_videos.retry(support, original, charge=True, model=None, reason="outage", key="r1")

    new = video(done.video_id)
    assert (new.retry_of_id, new.status, new.model, new.charge_waived) == (
        original,
        "pending",
        "draft",
        False,
    )
    assert (new.credits_used, done.credits, done.balance) == (PRICE, PRICE, 10 - PRICE - PRICE)
    assert (new.image_id, new.prompt, new.duration, new.size) == (
        video(original).image_id,
        video(original).prompt,
        4,
        "720x1280",
    )
    assert new.rq_job_id in _queued(redis_conn)
    with session_scope() as session:
        debit = ledger.find(session, ledger_keys.video_retry_debit(original))
        assert debit is not None and debit.delta == -PRICE and debit.actor_id == support.actor.id
    [row] = audit_rows()
    assert (row.action, row.target_id, row.target_user_id) == (
        "videos.retry",
        str(original),
        customer,
    )
    assert json.loads(row.after or "")["video_id"] == done.video_id
    # the same key again is the same retry; another retry of the original is refused
    again = staff_videos.retry(
        support, original, charge=True, model=None, reason="outage", key="r1"
    )
    assert again.replayed and again.video_id == done.video_id
    with pytest.raises(Conflict) as twice:
        staff_videos.retry(support, original, charge=False, model=None, reason="again")
    assert twice.value.code == "already_retried"
    assert len(audit_rows()) == 1 and reconciled() == []


def test_waived_retry_costs_nothing_and_refunds_nothing(any_db: str, redis_conn: Redis) -> None:
    customer = funded_user(0)
    original = paid_video(customer, "canceled", credits=0)
    done = staff_videos.retry(ctx(Role.admin), original, charge=False, model="draft", reason="ours")
    new = video(done.video_id)
    assert (new.charge_waived, new.credits_used, done.waived, done.balance) == (True, 0, True, 0)
    finished = transitions.fail(done.video_id, "provider_error", notices.GENERATION_FAILED)
    assert finished is not None and refunds(done.video_id) == []
    assert balance(customer) == 0 and reconciled() == []


def test_retry_refusals_write_nothing(any_db: str, redis_conn: Redis) -> None:
    customer = funded_user(PRICE)
    admin = ctx(Role.admin)
    done = paid_video(customer, "completed")  # spends the PRICE: the balance is 0 now
    failed = paid_video(customer, "failed", credits=0)
    with pytest.raises(Conflict) as not_retryable:
        staff_videos.retry(admin, done, charge=False, model=None, reason="x")
    assert not_retryable.value.code == "not_retryable"
    with pytest.raises(InsufficientCredits):
        staff_videos.retry(admin, failed, charge=True, model=None, reason="x")
    with pytest.raises(InvalidInput):
        staff_videos.retry(admin, failed, charge=False, model="sora-9", reason="x")
    with pytest.raises(Forbidden):
        staff_videos.retry(ctx(Role.analyst), failed, charge=False, model=None, reason="x")
    with session_scope() as session:
        assert session.execute(select(Video).where(Video.retry_of_id.is_not(None))).first() is None
    assert audit_rows() == [] and _queued(redis_conn) == set() and reconciled() == []


# --- bulk retry --------------------------------------------------------------------------


def test_bulk_retry_previews_then_retries_each_video_once(any_db: str, redis_conn: Redis) -> None:
    rich, poor = funded_user(100), funded_user(0)
    outage = [paid_video(rich, "failed", error_code="provider_error", credits=0) for _ in range(3)]
    short = paid_video(poor, "failed", error_code="provider_error", credits=0)
    other = paid_video(rich, "failed", error_code="content_policy", credits=0)
    paid_video(rich, "completed", error_code=None, credits=0)
    support = ctx(Role.support)
    filters = BulkFilters(provider="draft", error_code="provider_error")

    preview = staff_videos.bulk_retry(
        support, filters, charge=True, reason="", key="b1", dry_run=True
    )
    assert (preview.count, preview.credits, preview.video_ids) == (4, 4 * PRICE, [*outage, short])
    assert audit_rows() == [] and _queued(redis_conn) == set()

    done = staff_videos.bulk_retry(
        support, filters, charge=True, reason="outage", key="b1", dry_run=False
    )
    assert (done.count, done.video_ids, done.skipped_ids) == (3, outage, [short])
    assert balance(rich) == 100 - 3 * PRICE and balance(poor) == 0
    assert len(_queued(redis_conn)) == 3
    replay = staff_videos.bulk_retry(
        support, filters, charge=True, reason="outage", key="b1", dry_run=False
    )
    assert replay.replayed and replay.new_video_ids == done.new_video_ids
    later = staff_videos.bulk_retry(
        ctx(Role.admin), filters, charge=False, reason="r", key="b2", dry_run=False
    )
    assert later.video_ids == [short]  # the others were retried already
    assert other not in later.video_ids
    [first, second] = audit_rows("videos.bulk_retry")
    assert json.loads(first.after or "")["skipped_ids"] == [short]
    assert first.reason == "outage" and second.target_id == "b2"
    with pytest.raises(Forbidden):
        staff_videos.bulk_retry(
            ctx(Role.analyst), filters, charge=False, reason="r", key="b3", dry_run=True
        )
    assert reconciled() == []


def test_parallel_bulk_retries_retry_each_video_once(any_db: str, redis_conn: Redis) -> None:
    customer = funded_user(1000)
    vids = [
        paid_video(customer, "failed", error_code="provider_error", credits=0) for _ in range(8)
    ]
    staff = [ctx(Role.support), ctx(Role.admin)]
    results = _race(
        [
            lambda i=i: staff_videos.bulk_retry(
                staff[i % 2], BulkFilters(), charge=True, reason="r", key=f"k{i % 3}", dry_run=False
            )
            for i in range(6)
        ]
    )
    with session_scope() as session:
        retried = (
            session.execute(select(Video.retry_of_id).where(Video.retry_of_id.is_not(None)))
            .scalars()
            .all()
        )
    assert sorted(retried) == vids, results
    assert balance(customer) == 1000 - 8 * PRICE and reconciled() == []


# --- cancel ------------------------------------------------------------------------------


def test_cancel_is_the_customers_ending(any_db: str, redis_conn: Redis) -> None:
    customer = funded_user(10)
    vid = paid_video(customer, "pending")
    done = staff_videos.cancel(ctx(Role.support), vid, "stuck")
    row = video(vid)
    assert (row.status, row.error_code, row.error_message) == (
        "canceled",
        "canceled",
        notices.CANCELED,
    )
    assert done.balance == 10 and len(refunds(vid)) == 1
    [audit] = audit_rows()
    assert json.loads(audit.before or "") == {"status": "pending"}
    assert json.loads(audit.after or "") == {"status": "canceled", "credits": 10}
    with pytest.raises(Conflict) as again:
        staff_videos.cancel(ctx(Role.support), vid, "again")
    assert again.value.code == "video_finished"
    assert len(audit_rows()) == 1 and reconciled() == []


def test_cancel_after_a_staff_refund_keeps_one_refund(any_db: str, redis_conn: Redis) -> None:
    """The refund key is shared with every ending: when it is taken already, a staff cancel
    ends the video without paying again (the rolled-back first try loses no audit row)."""
    customer = funded_user(10)
    vid = paid_video(customer, "processing")
    with session_scope() as session:
        ledger.post(
            session,
            user_id=customer,
            delta=PRICE,
            kind=LedgerKind.refund,
            key=ledger_keys.video_refund(vid),
            reference=f"video:{vid}",
        )
    done = staff_videos.cancel(ctx(Role.admin), vid, "stuck")
    assert done.balance is None and video(vid).status == VideoStatus.canceled.value
    assert len(refunds(vid)) == 1 and len(audit_rows()) == 1 and reconciled() == []
