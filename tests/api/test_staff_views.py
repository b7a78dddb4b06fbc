"""The staff console's read routes: a user's detail, the clips across users, the queues."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, bearer, make_user
from tests.support.factories import funded_user
from v4a_portal.db import session_scope
from v4a_portal.models import Role, Video
from v4a_portal.services import queues


def _video(user_id: int, **fields: object) -> int:
    with session_scope() as session:
        video = Video(user_id=user_id, model="draft", duration=4, provider="draft", **fields)
        session.add(video)
        session.flush()
        assert video.id is not None
        return video.id


def test_user_detail_hides_money_from_analysts(db_client: TestClient) -> None:
    customer = funded_user(70, "dora@x.example")
    support, analyst = make_user(Role.support), make_user(Role.analyst)
    seen = db_client.get(f"/api/v1/staff/users/{customer}", headers=bearer(support))
    assert seen.status_code == 200, seen.text
    assert seen.json()["email"] == "dora@x.example" and seen.json()["credits"] == 70
    as_analyst = db_client.get(f"/api/v1/staff/users/{customer}", headers=bearer(analyst))
    assert as_analyst.json()["credits"] is None
    missing = db_client.get("/api/v1/staff/users/999999", headers=bearer(support))
    assert_error(missing, 404, "not_found")


def test_clips_filter_sort_and_page(db_client: TestClient) -> None:
    analyst = make_user(Role.analyst)
    owner = funded_user(10)
    failed = _video(owner, status="failed", error_code="quota")
    done = _video(owner, status="completed", attempts=3)
    headers = bearer(analyst)
    every = db_client.get("/api/v1/staff/clips", headers=headers).json()
    assert every["total"] == 2 and [c["id"] for c in every["items"]] == [done, failed]
    only = db_client.get("/api/v1/staff/clips?error_code=quota", headers=headers).json()
    assert [c["id"] for c in only["items"]] == [failed]
    by_attempts = db_client.get(
        "/api/v1/staff/clips?sort=attempts&order=desc&per_page=1", headers=headers
    ).json()
    assert [c["id"] for c in by_attempts["items"]] == [done] and by_attempts["per_page"] == 1
    assert_error(db_client.get("/api/v1/staff/clips?sort=prompt", headers=headers), 422)
    assert_error(db_client.get("/api/v1/staff/clips?status=exploded", headers=headers), 422)


def test_queues_lists_every_queue(api_client: TestClient, redis_conn) -> None:  # type: ignore[no-untyped-def]
    body = api_client.get("/api/v1/staff/queues", headers=bearer(make_user(Role.support)))
    assert body.status_code == 200, body.text
    assert [q["name"] for q in body.json()["queues"]] == list(queues.ALL)
    assert body.json()["throughput"] == []
    refused = api_client.get("/api/v1/staff/queues", headers=bearer(make_user(Role.analyst)))
    assert_error(refused, 403, "forbidden")
