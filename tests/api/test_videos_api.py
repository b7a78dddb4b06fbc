"""Video routes: the catalog, 202 generate with debit and jobs, 402/404/422, list filters,
cancel, and 50 parallel requests against a balance for 5 clips."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from tests.api.conftest import assert_error, bearer, make_user
from tests.support.factories import set_balance
from tests.support.videos import photo, refunds, script
from v4a_portal.db import session_scope
from v4a_portal.models import User, Video
from v4a_portal.services import ledger


def _generate(client: TestClient, user: User, **fields: object):  # type: ignore[no-untyped-def]
    body = {"model": "draft", "duration": 4, "size": "720x1280", "count": 1, **fields}
    return client.post("/api/v1/ai/generate-video", headers=bearer(user), json=body)


def test_models_lists_the_enabled_catalog(api_client: TestClient) -> None:
    body = api_client.get("/api/v1/models").json()
    draft = next(m for m in body["models"] if m["id"] == "draft")
    assert draft["durations"] == [4, 8, 12] and draft["credits_per_second"] == 1
    assert draft["sizes"] == ["720x1280", "1280x720"]
    assert (body["max_clips"], body["script_credits"]) == (9, 10)


def test_generate_read_list_cancel(db_client: TestClient, redis_conn: Redis) -> None:
    user = make_user()
    assert user.id is not None
    image = photo(user.id)
    sid = script(user.id, image)

    response = _generate(db_client, user, image_id=image, script_id=sid, count=3, duration=8)

    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["credits_used"], body["balance"], len(body["video_ids"])) == (24, 26, 3)
    assert Queue("videos", connection=redis_conn).count == 3
    first, *_ = body["video_ids"]
    shown = db_client.get(f"/api/v1/videos/{first}", headers=bearer(user)).json()
    assert shown["status"] == "pending" and shown["batch_id"] == body["batch_id"]
    assert (shown["image_id"], shown["script_id"], shown["duration"]) == (image, sid, 8)
    assert shown["video_url"] is None and shown["refunded"] is False

    canceled = db_client.post(f"/api/v1/videos/{first}/cancel", headers=bearer(user))
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["balance"] == 34
    assert canceled.json()["video"]["status"] == "canceled"
    assert canceled.json()["video"]["refunded"] is True
    again = db_client.post(f"/api/v1/videos/{first}/cancel", headers=bearer(user))
    assert_error(again, 409, "video_finished")
    assert len(refunds(first)) == 1

    listed = db_client.get(
        "/api/v1/videos", headers=bearer(user), params={"status": "pending", "per_page": 1}
    ).json()
    assert listed["total"] == 2 and len(listed["items"]) == 1
    by_batch = db_client.get(
        "/api/v1/videos", headers=bearer(user), params={"batch_id": body["batch_id"]}
    ).json()
    assert [v["id"] for v in by_batch["items"]] == sorted(body["video_ids"], reverse=True)
    assert db_client.get("/api/v1/me", headers=bearer(user)).json()["credits"] == 34


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"model": "sora-2"}, "not available"),
        ({"duration": 6}, "seconds"),
        ({"size": "1024x1792"}, "sizes"),
        ({"count": 10}, "1 to 9"),
        ({"count": 0}, "count"),
        ({"prompt": None, "script_id": None}, "prompt"),
        ({"prompt": "x" * 2001}, "prompt"),
    ],
)
def test_unsupported_requests_are_422(
    api_client: TestClient, redis_conn: Redis, fields: dict[str, object], words: str
) -> None:
    user = make_user()
    assert user.id is not None
    image = photo(user.id)
    body = {"image_id": image, "prompt": "a mug", **fields}
    error = assert_error(_generate(api_client, user, **body), 422, "invalid_input")
    assert words in error["message"]
    assert api_client.get("/api/v1/me", headers=bearer(user)).json()["credits"] == 50


def test_other_users_photo_script_and_videos_are_404(
    api_client: TestClient, redis_conn: Redis
) -> None:
    owner, other = make_user(name="Owner"), make_user(name="Other")
    assert owner.id is not None and other.id is not None
    image = photo(owner.id)
    sid = script(owner.id, image)
    vid = _generate(api_client, owner, image_id=image, prompt="p").json()["video_ids"][0]

    assert_error(_generate(api_client, other, image_id=image, prompt="p"), 404, "not_found")
    mine = photo(other.id)
    assert_error(_generate(api_client, other, image_id=mine, script_id=sid), 404, "not_found")
    for method, path in [
        ("GET", f"/api/v1/videos/{vid}"),
        ("POST", f"/api/v1/videos/{vid}/cancel"),
        ("GET", f"/api/v1/videos/{vid}/events"),
        ("GET", "/api/v1/videos/424242"),
    ]:
        assert_error(api_client.request(method, path, headers=bearer(other)), 404, "not_found")
    assert api_client.get("/api/v1/videos", headers=bearer(other)).json()["total"] == 0
    assert_error(api_client.get("/api/v1/videos"), 401)
    assert_error(api_client.get("/api/v1/videos?status=bogus", headers=bearer(owner)), 422)


def test_short_balance_is_402_and_creates_nothing(
    api_client: TestClient, redis_conn: Redis
) -> None:
    user = make_user()
    assert user.id is not None
    image = photo(user.id)
    set_balance(user.id, 7)  # type: ignore[arg-type]
    error = assert_error(_generate(api_client, user, image_id=image, prompt="p", count=2), 402)
    assert error["code"] == "insufficient_credits"
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Video)).scalar_one() == 0


def test_fifty_parallel_requests_with_credits_for_five(
    db_client: TestClient, redis_conn: Redis
) -> None:
    user = make_user()
    assert user.id is not None
    image = photo(user.id)
    set_balance(user.id, 20)  # type: ignore[arg-type]  # five 4-second drafts

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(
            pool.map(lambda _: _generate(db_client, user, image_id=image, prompt="p"), range(50))
        )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [202] * 5 + [402] * 45, statuses
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(Video)).scalar_one() == 5
        assert ledger.balance(session, user.id) == 0
        assert ledger.reconcile(session) == []
    assert Queue("videos", connection=redis_conn).count == 5


def test_an_idempotency_key_makes_retries_safe(db_client: TestClient, redis_conn: Redis) -> None:
    user, other = make_user(), make_user()
    assert user.id is not None and other.id is not None
    image, others_image = photo(user.id), photo(other.id)

    def send(who: User, image_id: int):  # type: ignore[no-untyped-def]
        return db_client.post(
            "/api/v1/ai/generate-video",
            headers={**bearer(who), "Idempotency-Key": "retry-me"},
            json={"image_id": image_id, "prompt": "p", "duration": 4, "count": 2},
        )

    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(lambda _: send(user, image), range(5)))

    assert {r.status_code for r in responses} == {202}
    assert len({tuple(r.json()["video_ids"]) for r in responses}) == 1
    assert {r.json()["credits_used"] for r in responses} == {8}
    assert api_balance(db_client, user) == 42
    # Keys are per user: someone else's identical key is their own request.
    assert send(other, others_image).json()["video_ids"] != responses[0].json()["video_ids"]
    assert Queue("videos", connection=redis_conn).count == 4


def api_balance(client: TestClient, user: User) -> int:
    return int(client.get("/api/v1/me", headers=bearer(user)).json()["credits"])
