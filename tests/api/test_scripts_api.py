"""Script routes: 201 with script and balance, 402 when short, 404 across users, races."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.api.conftest import assert_error, bearer, make_user
from tests.support.factories import set_balance
from tests.support.samples import jpeg
from v4a_portal.db import session_scope
from v4a_portal.models import GeneratedScript
from v4a_portal.services import ledger


def _upload(client: TestClient, headers: dict[str, str]) -> int:
    response = client.post(
        "/api/v1/ai/upload-image",
        headers=headers,
        files={"file": ("mug.jpg", jpeg((200, 150)), "image/jpeg")},
    )
    assert response.status_code in (200, 201), response.text
    return int(response.json()["id"])


def test_generate_edit_regenerate_list(api_client: TestClient) -> None:
    user = make_user()
    headers = bearer(user)
    image_id = _upload(api_client, headers)
    created = api_client.post(
        "/api/v1/ai/generate-script",
        headers=headers,
        json={"image_id": image_id, "product": "Trail Mug", "audience": "hikers", "tone": "calm"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["credits_used"] == 10 and body["balance"] == 40
    script = body["script"]
    assert script["image_id"] == image_id and script["writer"] == "local"
    sid = script["id"]

    text = script["script_text"].replace("CTA:", "CTA: Now!")
    edited = api_client.patch(f"/api/v1/scripts/{sid}", headers=headers, json={"script_text": text})
    assert edited.status_code == 200 and edited.json()["script_text"] == text
    assert_error(
        api_client.patch(
            f"/api/v1/scripts/{sid}", headers=headers, json={"script_text": "free text"}
        ),
        422,
        "invalid_input",
    )

    again = api_client.post(f"/api/v1/scripts/{sid}/regenerate", headers=headers)
    assert again.status_code == 201 and again.json()["script"]["parent_script_id"] == sid
    assert again.json()["balance"] == 30

    listed = api_client.get(
        "/api/v1/scripts", headers=headers, params={"image_id": image_id}
    ).json()
    assert listed["total"] == 2
    assert [s["id"] for s in listed["items"]] == [again.json()["script"]["id"], sid]
    assert api_client.get("/api/v1/me", headers=headers).json()["credits"] == 30


def test_validation_and_ownership(api_client: TestClient) -> None:
    owner, other = make_user(name="Owner"), make_user(name="Other")
    image_id = _upload(api_client, bearer(owner))
    sid = api_client.post(
        "/api/v1/ai/generate-script",
        headers=bearer(owner),
        json={"image_id": image_id, "product": "Mug"},
    ).json()["script"]["id"]
    h = bearer(other)
    assert_error(
        api_client.post(
            "/api/v1/ai/generate-script", headers=h, json={"image_id": image_id, "product": "Mug"}
        ),
        404,
        "not_found",
    )
    assert_error(api_client.get(f"/api/v1/scripts/{sid}", headers=h), 404)
    assert_error(
        api_client.patch(f"/api/v1/scripts/{sid}", headers=h, json={"script_text": "x"}), 404
    )
    assert_error(api_client.post(f"/api/v1/scripts/{sid}/regenerate", headers=h), 404)
    assert_error(
        api_client.post("/api/v1/ai/generate-script", headers=h, json={"product": "Mug"}),
        422,
        "invalid_input",
    )
    assert_error(
        api_client.post(
            "/api/v1/ai/generate-script",
            headers=bearer(owner),
            json={"image_id": image_id, "product": "Mug", "target_duration": 7},
        ),
        422,
    )
    assert_error(
        api_client.post(
            "/api/v1/ai/generate-script", json={"image_id": image_id, "product": "Mug"}
        ),
        401,
    )
    assert api_client.get("/api/v1/me", headers=h).json()["credits"] == 50


def test_parallel_requests_spend_only_what_is_there(db_client: TestClient) -> None:
    user = make_user()
    headers = bearer(user)
    image_id = _upload(db_client, headers)
    set_balance(user.id, 30)  # type: ignore[arg-type]  # credits for exactly three scripts

    def ask(_: int) -> int:
        return db_client.post(
            "/api/v1/ai/generate-script",
            headers=headers,
            json={"image_id": image_id, "product": "Mug"},
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(ask, range(20)))
    assert sorted(codes) == [201] * 3 + [402] * 17
    with session_scope() as session:
        assert ledger.balance(session, user.id) == 0  # type: ignore[arg-type]
        made = session.execute(
            select(func.count())
            .select_from(GeneratedScript)
            .where(GeneratedScript.user_id == user.id)
        ).scalar_one()
        assert made == 3
        assert ledger.reconcile(session) == []
