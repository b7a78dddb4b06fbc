"""The console's read services: overview counts, video search, user detail, queue status,
on both databases; each refuses a role that lacks its permission."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from rq import Queue, SimpleWorker

from tests.support.factories import funded_user
from v4a_portal.db import session_scope
from v4a_portal.models import (
    GeneratedScript,
    LedgerKind,
    RefreshToken,
    Role,
    UploadedImage,
    User,
    Video,
    WebSession,
    utcnow,
)
from v4a_portal.services import ledger, paging, queues
from v4a_portal.services.console import overview, queue_status, user_detail, video_search
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.errors import Forbidden, InvalidInput, NotFound


def _staff(role: Role) -> StaffContext:
    with session_scope() as session:
        user = User(email=f"{role.value}-{uuid.uuid4().hex[:6]}@staff.example", role=role.value)
        session.add(user)
    return StaffContext(actor=user, ip="127.0.0.1", user_agent="pytest")


def _video(user_id: int, **fields: object) -> int:
    values: dict[str, object] = {"model": "draft", "duration": 4, "provider": "draft"}
    values.update(fields)
    with session_scope() as session:
        video = Video(user_id=user_id, **values)
        session.add(video)
        session.flush()
        assert video.id is not None
        return video.id


def test_video_search_filters_sorts_and_flags_stuck_clips(any_db: str) -> None:
    ctx = _staff(Role.analyst)
    alice, bob = funded_user(100, "alice@x.example"), funded_user(100, "bob@x.example")
    now = utcnow()
    old = _video(alice, status="processing", created_at=now - timedelta(hours=2), attempts=2)
    fresh = _video(alice, status="pending", created_at=now - timedelta(seconds=5))
    failed = _video(
        bob,
        status="failed",
        provider="veo",
        model="veo-3.1-generate-001",
        error_code="quota",
        error_message="Quota exceeded",
        created_at=now - timedelta(minutes=30),
        completed_at=now - timedelta(minutes=20),
    )

    every = video_search.search(ctx, video_search.VideoFilters())
    assert every.total == 3
    assert [v.id for v in every.items] == [fresh, failed, old]  # newest first
    by_id = {v.id: v for v in every.items}
    assert by_id[old].stuck and by_id[old].attempts == 2
    assert not by_id[fresh].stuck
    assert not by_id[failed].stuck and by_id[failed].age_seconds == 600
    assert by_id[failed].user_email == "bob@x.example"

    only = video_search.search(ctx, video_search.VideoFilters(error_code="quota", provider="veo"))
    assert [v.id for v in only.items] == [failed]
    assert only.items[0].error_message == "Quota exceeded"
    mine = video_search.search(ctx, video_search.VideoFilters(user_id=alice, status="pending"))
    assert [v.id for v in mine.items] == [fresh]
    window = video_search.search(
        ctx,
        video_search.VideoFilters(since=now - timedelta(hours=1), until=now - timedelta(minutes=1)),
    )
    assert [v.id for v in window.items] == [failed]

    oldest_first = video_search.search(
        ctx, video_search.VideoFilters(), sort="created_at", descending=False, per_page=2
    )
    assert [v.id for v in oldest_first.items] == [old, failed] and oldest_first.total == 3
    page_two = video_search.search(ctx, video_search.VideoFilters(), page=2, per_page=2)
    assert [v.id for v in page_two.items] == [old]
    assert [v.id for v in video_search.lines(ctx, [old, fresh, 10**6])] == [old, fresh]

    facets = video_search.facets(ctx)
    assert facets.providers == ["draft", "veo"] and facets.error_codes == ["quota"]
    with pytest.raises(InvalidInput):
        video_search.search(ctx, video_search.VideoFilters(), sort="prompt")
    with pytest.raises(InvalidInput):
        video_search.search(ctx, video_search.VideoFilters(status="exploded"))
    with pytest.raises(Forbidden):
        video_search.search(_staff(Role.customer), video_search.VideoFilters())


def test_clip_counts_stop_past_the_cap_and_say_so(
    any_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clips total is counted only so far past the page ("10,000+"); a page that
    reaches the end still tells the exact total."""
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    ctx = _staff(Role.support)
    alice = funded_user(100, "cap@x.example")
    for n in range(8):
        _video(alice, status="failed" if n < 3 else "completed")

    def search(page: int, **filters: object) -> tuple[int, bool, int]:
        found = video_search.search(
            ctx,
            video_search.VideoFilters(**filters),
            page=page,
            per_page=2,  # type: ignore[arg-type]
        )
        return found.total, found.total_capped, len(found.items)

    assert search(1) == (3, True, 2)  # "1–2 of 3+": three rows counted past the page
    assert search(3) == (7, True, 2)  # the count goes on from the page asked for
    assert search(4) == (8, False, 2)  # the last page: exact, from the rows themselves
    assert search(1, status="failed") == (3, False, 2)  # the cap not passed: exact
    assert search(1, status="completed") == (3, True, 2)


def test_user_detail_tabs_and_money_only_for_who_may_see_it(any_db: str) -> None:
    support, analyst = _staff(Role.support), _staff(Role.analyst)
    customer = funded_user(120, "carol@x.example")
    with session_scope() as session:
        photo = UploadedImage(user_id=customer, file_path="uploads/p.jpg", storage_url="u")
        session.add(photo)
        session.flush()
        first = GeneratedScript(user_id=customer, image_id=photo.id, script_text="Hook. Buy.")
        session.add(first)
        session.flush()
        second = GeneratedScript(
            user_id=customer, image_id=photo.id, script_text="Again", parent_script_id=first.id
        )
        session.add(second)
        session.flush()
        ids = photo.id, first.id, second.id
        ledger.post(
            session,
            user_id=customer,
            delta=-20,
            kind=LedgerKind.staff_adjustment,
            key=f"t:{uuid.uuid4().hex}",
            actor_id=support.actor.id,
            note="correction",
        )
        now = utcnow()
        session.add(
            WebSession(user_id=customer, token_hash="a" * 64, expires_at=now + timedelta(days=1))
        )
        for n in range(2):
            session.add(
                RefreshToken(
                    user_id=customer,
                    token_hash=f"{n}" * 64,
                    family_id="fam-1",
                    expires_at=now + timedelta(days=30),
                    revoked_at=now if n == 0 else None,
                )
            )
    _video(customer, image_id=ids[0], script_id=ids[2], status="completed")

    seen = user_detail.profile(support, customer)
    assert (seen.email, seen.credits, seen.photos, seen.scripts, seen.videos) == (
        "carol@x.example",
        100,
        1,
        2,
        1,
    )
    assert user_detail.profile(analyst, customer).credits is None  # no money for analysts

    entries = user_detail.ledger(support, customer)
    assert entries.total == 2
    assert (entries.items[0].delta, entries.items[0].balance_after) == (-20, 100)
    assert entries.items[0].actor_email == support.actor.email
    with pytest.raises(Forbidden):
        user_detail.ledger(analyst, customer)

    (only_photo,) = user_detail.photos(support, customer).items
    assert (only_photo.scripts, only_photo.videos) == (2, 1)
    scripts = user_detail.scripts(support, customer).items
    assert [(s.id, s.parent_script_id, s.videos) for s in scripts] == [
        (ids[2], ids[1], 1),
        (ids[1], None, 0),
    ]
    sign_ins = user_detail.sign_ins(support, customer)
    assert sorted((s.kind, s.active, s.tokens) for s in sign_ins) == [
        ("api", True, 2),
        ("browser", True, 1),
    ]
    with pytest.raises(NotFound):
        user_detail.profile(support, 10**6)
    with pytest.raises(Forbidden):
        user_detail.profile(_staff(Role.customer), customer)


def test_overview_counts_today(any_db: str, redis_conn) -> None:  # type: ignore[no-untyped-def]
    ctx = _staff(Role.analyst)
    user = funded_user(50)
    now = utcnow()
    _video(user, status="failed", completed_at=now - timedelta(hours=1))
    _video(user, status="failed", completed_at=now - timedelta(hours=30))
    _video(user, status="processing")
    _video(user, status="pending")
    with session_scope() as session:
        ledger.post(
            session,
            user_id=user,
            delta=5,
            kind=LedgerKind.staff_adjustment,
            key=f"t:{uuid.uuid4().hex}",
        )
    Queue(queues.VIDEOS, connection=redis_conn).enqueue("builtins.print", "x")

    counts = overview.counts(ctx)
    assert counts == overview.Overview(
        failed_last_24h=1, running=2, queue_depth=1, adjustments_today=1
    )
    with pytest.raises(Forbidden):
        overview.counts(_staff(Role.customer))


def test_queue_status_reads_rq_registries_and_workers(any_db: str, redis_conn) -> None:  # type: ignore[no-untyped-def]
    ctx = _staff(Role.support)
    videos_queue = Queue(queues.VIDEOS, connection=redis_conn)
    videos_queue.enqueue_call(queues.GENERATE_VIDEO, args=(7,), job_id="video-7-1")
    default = Queue(queues.DEFAULT, connection=redis_conn)
    default.enqueue_call("builtins.int", args=("not a number",), job_id="bad-1")
    worker = SimpleWorker([default], connection=redis_conn, name=f"w-{uuid.uuid4().hex[:6]}")
    worker.work(burst=True)  # fails bad-1, then records its death: register it again
    worker.register_birth()
    worker.set_state("busy")
    worker.set_current_job_id("video-7-1")
    try:
        status = queue_status.snapshot(ctx)
    finally:
        worker.register_death()
    counts = {q.name: q for q in status.queues}
    assert set(counts) == set(queues.ALL)
    assert counts[queues.VIDEOS].queued == 1 and counts[queues.DEFAULT].failed == 1
    (line,) = [w for w in status.workers if w.name == worker.name]
    assert (line.state, line.current_job_id, line.current_video_id) == ("busy", "video-7-1", 7)
    assert line.pid > 0 and line.host and line.last_heartbeat is not None
    (failed,) = status.failed_jobs
    assert failed.id == "bad-1" and "ValueError" in failed.exception
    assert "Traceback" in failed.traceback
    with pytest.raises(Forbidden):
        queue_status.snapshot(_staff(Role.analyst))


def test_throughput_buckets_per_ten_minutes_and_provider(any_db: str) -> None:
    ctx = _staff(Role.admin)
    user = funded_user(10)
    now = utcnow().replace(minute=35, second=0, microsecond=0)
    for minutes, provider, status in [
        (1, "draft", "completed"),
        (2, "draft", "completed"),
        (3, "draft", "failed"),
        (4, "veo", "completed"),
        (14, "draft", "completed"),
        (60 * 25, "draft", "completed"),  # outside the day
    ]:
        _video(
            user, provider=provider, status=status, completed_at=now - timedelta(minutes=minutes)
        )
    points = queue_status.throughput(ctx, now=now)
    got = [(p.start.strftime("%H:%M"), p.provider, p.completed, p.failed) for p in points]
    ten, twenty = (now - timedelta(minutes=5)), (now - timedelta(minutes=15))
    assert got == [
        (twenty.strftime("%H:%M"), "draft", 1, 0),
        (ten.strftime("%H:%M"), "draft", 2, 1),
        (ten.strftime("%H:%M"), "veo", 1, 0),
    ]
