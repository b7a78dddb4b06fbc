"""GET /api/v1/videos/{id}/events: snapshot first, then progress and status from the user's
Redis channel (only this clip's), heartbeats, and the stream ends after the final state.

Here the clip's transitions are driven through the same service calls the job makes; the
stream against a real worker and the draft renderer is in tests/jobs/test_pipeline.py.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from redis import Redis
from starlette.types import Message, Scope

from tests.api.conftest import assert_error, bearer, make_user, settings_env
from tests.conftest import run_async
from tests.support.servers import RedisServer
from tests.support.videos import photo
from v4a_portal.api import events as events_api
from v4a_portal.models import User
from v4a_portal.services import progress, videos
from v4a_portal.services.videos import events as video_events
from v4a_portal.services.videos import rq_jobs, transitions


@dataclass(frozen=True)
class Sse:
    kind: str  # the event name, or "comment" for a heartbeat line
    data: dict | None


def read_events(response: httpx.Response) -> Iterator[Sse]:
    """Server-Sent Events as they arrive; ends when the server closes the stream."""
    kind, data = "message", None
    for line in response.iter_lines():
        if line.startswith(":"):
            yield Sse("comment", None)
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data = json.loads(line[5:].strip())
        elif line == "" and data is not None:
            yield Sse(kind, data)
            kind, data = "message", None


def _clip(user: User, count: int = 1) -> list[int]:
    assert user.id is not None
    image = photo(user.id)
    return videos.request(user.id, image, None, "p", "draft", 4, "720x1280", count).video_ids


def _drive(vid: int, sibling: int) -> None:
    """What a job does: start, progress (with another clip's noise between), complete."""
    clip = transitions.start(vid, rq_jobs.rq_job_id(vid))
    other = transitions.start(sibling, rq_jobs.rq_job_id(sibling))
    assert clip is not None and other is not None
    for percent in (20, 40, 40, 60, 80):
        progress.publish(clip.user_id, video_events.progress_event(clip.id, clip.batch_id, percent))
        progress.publish(
            other.user_id, video_events.progress_event(other.id, other.batch_id, percent + 5)
        )
    transitions.complete(vid, f"videos/{clip.user_id}/clip.mp4")


def test_snapshot_then_rising_progress_then_completed_and_closed(
    api_client: TestClient, redis_conn: Redis
) -> None:
    user = make_user()
    vid, sibling = _clip(user, 2)
    seen: list[Sse] = []
    with api_client.stream("GET", f"/api/v1/videos/{vid}/events", headers=bearer(user)) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = read_events(r)
        seen.append(next(events))  # subscribed before this snapshot was read
        driver = threading.Thread(target=_drive, args=(vid, sibling))
        driver.start()
        seen.extend(e for e in events if e.kind != "comment")  # ends when the server closes
        driver.join()

    assert [e.kind for e in seen] == ["snapshot", "status", *["progress"] * 4, "status"]
    assert {e.data["video_id"] for e in seen if e.data} == {vid}
    assert seen[0].data and seen[0].data["status"] == "pending"
    percents = [e.data["progress"] for e in seen if e.data]
    assert percents == [0, 0, 20, 40, 60, 80, 100]
    final = seen[-1].data
    assert final and final["status"] == "completed"
    assert final["video_url"].endswith(f"/media/videos/{user.id}/clip.mp4")


def test_a_finished_clip_sends_its_snapshot_and_closes(
    api_client: TestClient, redis_conn: Redis
) -> None:
    user = make_user()
    (vid,) = _clip(user)
    assert user.id is not None
    videos.cancel(user.id, vid)
    with api_client.stream("GET", f"/api/v1/videos/{vid}/events", headers=bearer(user)) as r:
        seen = list(read_events(r))
    assert [(e.kind, e.data and e.data["status"]) for e in seen] == [("snapshot", "canceled")]
    assert seen[0].data and seen[0].data["refunded"] is True


def test_heartbeats_while_nothing_happens(api_client: TestClient, redis_conn: Redis) -> None:
    user = make_user()
    (vid,) = _clip(user)
    assert user.id is not None
    with settings_env(V4A_SSE_PING_SECONDS="1"):
        headers = bearer(user)
        with api_client.stream("GET", f"/api/v1/videos/{vid}/events", headers=headers) as r:
            events = read_events(r)
            assert next(events).kind == "snapshot"
            assert next(events).kind == "comment"
            assert next(events).kind == "comment"
            threading.Timer(0.2, videos.cancel, args=(user.id, vid)).start()
            rest = [e for e in events if e.kind != "comment"]
    assert [(e.kind, e.data and e.data["status"]) for e in rest] == [("status", "canceled")]


def test_a_dropped_message_shows_up_even_while_other_clips_chatter(
    api_client: TestClient, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This clip's progress reaches the row but its message is lost (as across a Redis
    reconnect), while the user's other clip keeps publishing: the stream still re-reads
    this clip's row after a quiet spell of its own, not only when the whole channel is
    quiet."""
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.5)
    user = make_user()
    vid, sibling = _clip(user, 2)
    assert user.id is not None
    stop = threading.Event()

    def chatter() -> None:
        while not stop.wait(0.1):
            progress.publish(user.id or 0, {"video_id": sibling, "status": "pending"})

    def drive() -> None:
        transitions.start(vid, rq_jobs.rq_job_id(vid))  # published
        time.sleep(0.2)
        transitions.record_progress(vid, 50)  # written, never published
        time.sleep(2.0)
        videos.cancel(user.id or 0, vid)

    threads = [threading.Thread(target=chatter), threading.Thread(target=drive)]
    with api_client.stream("GET", f"/api/v1/videos/{vid}/events", headers=bearer(user)) as r:
        stream = read_events(r)
        assert next(stream).kind == "snapshot"
        for thread in threads:
            thread.start()
        try:
            rest = [e for e in stream if e.kind != "comment"]
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    seen = [(e.kind, e.data and e.data["status"], e.data and e.data["progress"]) for e in rest]
    assert seen == [("status", "processing", 0), ("progress", "processing", 50),
                    ("status", "canceled", 50)]  # fmt: skip


def test_another_users_clip_is_a_json_404(api_client: TestClient, redis_conn: Redis) -> None:
    owner, other = make_user(name="Owner"), make_user(name="Other")
    (vid,) = _clip(owner)
    response = api_client.get(f"/api/v1/videos/{vid}/events", headers=bearer(other))
    assert_error(response, 404, "not_found")
    assert_error(api_client.get(f"/api/v1/videos/{vid}/events"), 401)


def _subscribers(url: str, user_id: int) -> int:
    name = progress.channel(user_id)
    with Redis.from_url(url) as conn:
        return int(dict(conn.pubsub_numsub(name))[name.encode()])


def _until_no_subscriber(url: str, user_id: int) -> None:
    deadline = time.monotonic() + 5
    while _subscribers(url, user_id):
        assert time.monotonic() < deadline, "the progress subscription was left open"
        time.sleep(0.02)


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's, to stop and start; the settings point at it."""
    server = RedisServer()
    server.start()
    try:
        with settings_env(REDIS_URL=server.url):
            yield server
    finally:
        server.stop()


def test_redis_down_is_a_json_503_and_the_stream_is_back_with_redis(
    api_client: TestClient, own_redis: RedisServer
) -> None:
    """Subscribed before the response starts: no 200 followed by a broken stream."""
    user = make_user()
    (vid,) = _clip(user)
    assert user.id is not None
    url = f"/api/v1/videos/{vid}/events"

    own_redis.stop()
    error = assert_error(api_client.get(url, headers=bearer(user)), 503, "unavailable")
    assert "Redis" in error["message"]

    own_redis.start()  # same port, nothing kept
    with api_client.stream("GET", url, headers=bearer(user)) as r:
        assert r.status_code == 200
        events = read_events(r)
        assert next(events).kind == "snapshot"
        assert _subscribers(own_redis.url, user.id) == 1
        threading.Timer(0.2, videos.cancel, args=(user.id, vid)).start()
        rest = [e for e in events if e.kind != "comment"]
    assert [(e.kind, e.data and e.data["status"]) for e in rest] == [("status", "canceled")]
    _until_no_subscriber(own_redis.url, user.id)


def test_a_client_gone_before_the_first_event_leaves_the_channel(
    api_client: TestClient, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The subscription is made before the response starts; a client that disconnects while
    the response's headers are still waiting to be sent cancels it before the body generator
    ever runs: the response, not the generator, must close the subscription. The responses
    are kept alive here (as a traceback might keep them), so that garbage collection, which
    would close the subscription too, proves nothing."""
    user = make_user()
    (vid,) = _clip(user)
    assert user.id is not None
    subscribed: list[int] = []
    kept: list[events_api._ProgressStream] = []
    made = events_api._ProgressStream.__init__

    def keep(self: events_api._ProgressStream, *args: Any, **kwargs: Any) -> None:
        kept.append(self)
        made(self, *args, **kwargs)

    monkeypatch.setattr(events_api._ProgressStream, "__init__", keep)

    async def scenario() -> None:
        gone = asyncio.Event()

        async def receive() -> Message:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            assert message["type"] == "http.response.start"
            assert message["status"] == 200
            subscribed.append(await to_thread.run_sync(_subscribers, own_redis.url, user.id))
            gone.set()
            await asyncio.Event().wait()  # a client that reads nothing: stuck before the body

        await api_client.app(_get_scope(f"/api/v1/videos/{vid}/events", user), receive, send)
        await to_thread.run_sync(_until_no_subscriber, own_redis.url, user.id or 0)

    run_async(scenario())
    assert subscribed == [1]
    assert len(kept) == 1


def _get_scope(path: str, user: User) -> Scope:
    headers = [(k.lower().encode(), v.encode()) for k, v in bearer(user).items()]
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
