"""Every way a clip row is made announces it once, after its commit, on the owner's progress
channel (`created`): a customer's order, a staff retry and a bulk retry. Open pages that list
the user's newest clips add it from that message (state/live_clips.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis

from tests.services.console.staff import ctx, paid_video
from tests.support.factories import funded_user
from tests.support.videos import photo
from v4a_portal.models import Role
from v4a_portal.services import progress, videos
from v4a_portal.services.console import staff_credits, staff_videos
from v4a_portal.services.console.staff_videos import BulkFilters


@contextmanager
def _heard(user_id: int) -> Iterator[list[progress.VideoEvent]]:
    """The user's messages sent while the block runs (and a moment after)."""
    found: list[progress.VideoEvent] = []
    with progress.listen(user_id) as listener:
        yield found
        while (event := listener.get(0.3)) is not None:
            found.append(event)


def _created(events: list[progress.VideoEvent]) -> list[int]:
    return [e["video_id"] for e in events if e.get("created")]


def test_an_order_announces_each_new_clip(sqlite_db: str, redis_conn: Redis) -> None:
    me = funded_user(50)
    with _heard(me) as events:
        ordered = videos.request(me, photo(me), None, "p", "draft", 4, "720x1280", 2)
    assert _created(events) == ordered.video_ids
    first = next(e for e in events if e.get("created"))
    assert (first["status"], first["progress"], first["refunded"]) == ("pending", 0, False)

    with _heard(me) as events:  # the same key again: no new clip, nothing announced
        videos.request(me, photo(me), None, "q", "draft", 4, "720x1280", idempotency_key="k")
        videos.request(me, photo(me), None, "q", "draft", 4, "720x1280", idempotency_key="k")
    assert len(_created(events)) == 1


def test_staff_retries_announce_the_new_clip_to_its_owner(
    sqlite_db: str, redis_conn: Redis
) -> None:
    customer = funded_user(50)
    failed = [paid_video(customer, "failed") for _ in range(3)]
    support = ctx(Role.support)

    with _heard(customer) as events:
        charged = staff_videos.retry(support, failed[0], charge=True, model=None, reason="outage")
    assert _created(events) == [charged.video_id]

    with _heard(customer) as events:
        bulk = staff_videos.bulk_retry(
            support,
            BulkFilters(user_id=customer),
            charge=False,
            reason="outage",
            key=staff_credits.new_key(),
            dry_run=False,
        )
    assert sorted(_created(events)) == sorted(bulk.new_video_ids) and bulk.count == 2
