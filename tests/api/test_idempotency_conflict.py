"""The same Idempotency-Key with another body is a 409, never the first request's result."""

from __future__ import annotations

from fastapi.testclient import TestClient
from redis import Redis

from tests.api.conftest import assert_error, bearer, make_user
from tests.support.videos import photo, script
from v4a_portal.db import session_scope
from v4a_portal.services import ledger


def test_a_reused_key_with_another_body_is_a_conflict(
    db_client: TestClient, redis_conn: Redis
) -> None:
    user = make_user()
    assert user.id is not None
    image, other_image = photo(user.id), photo(user.id, (320, 240))
    sid = script(user.id, image)
    first_body = {"image_id": image, "prompt": "p", "duration": 4, "count": 2}

    def send(**changes: object):  # type: ignore[no-untyped-def]
        return db_client.post(
            "/api/v1/ai/generate-video",
            headers={**bearer(user), "Idempotency-Key": "order-1"},
            json={**first_body, **changes},
        )

    first = send()
    assert first.status_code == 202, first.text
    assert send().json()["video_ids"] == first.json()["video_ids"]  # a true retry
    for changes in (
        {"count": 3},
        {"duration": 8},
        {"prompt": "another prompt"},
        {"image_id": other_image},
        {"script_id": sid},
        {"size": "1280x720"},
    ):
        response = send(**changes)
        error = assert_error(response, 409, "idempotency_conflict")
        assert "Idempotency-Key" in error["message"], changes
    with session_scope() as session:
        assert ledger.balance(session, user.id) == 50 - 8  # charged once, for the first
