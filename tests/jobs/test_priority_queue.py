"""Subscribers' videos go on the priority queue, which a real worker serves before the
queue of everyone else's (billing: the subscriber benefit)."""

from __future__ import annotations

import pytest
from rq import Queue

from tests.jobs.conftest import Workers
from tests.support.factories import funded_user
from tests.support.videos import photo, until, video
from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import queues, videos
from v4a_portal.services.redis_conn import get_redis


def _subscriber(user_id: int) -> None:
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.is_subscriber = True


def _order(user_id: int, count: int) -> list[int]:
    return videos.request(
        user_id, photo(user_id), None, "go", "draft", 4, "720x1280", count
    ).video_ids


def test_a_subscribers_video_is_served_before_a_queue_of_others(
    sqlite_db: str, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("V4A_RENDER_CONCURRENCY", "1")  # one render at a time: an order shows
    regular, member = funded_user(100), funded_user(100)
    _subscriber(member)
    waiting = _order(regular, 4)  # queued first, no worker yet
    (first,) = _order(member, 1)
    conn = get_redis()
    assert Queue(queues.VIDEOS, connection=conn).count == 4
    assert Queue(queues.VIDEOS_PRIORITY, connection=conn).job_ids == [f"video-{first}-1"]

    workers.start()
    until(lambda: video(first).status == "completed", 60, "the subscriber's video")
    done = [v for v in waiting if video(v).status == "completed"]
    started = [v for v in waiting if video(v).provider_job_id]
    # One render slot: the subscriber's took it first, although queued last.
    assert len(done) == 0 and len(started) <= 1, (done, started)
    until(lambda: all(video(v).status == "completed" for v in waiting), 120, "the others")
    first_done = video(first).completed_at
    assert first_done is not None
    assert all((video(v).completed_at or first_done) > first_done for v in waiting)
