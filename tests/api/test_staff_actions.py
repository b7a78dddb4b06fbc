"""Every staff action through the REST API, for every role: who may (and the one audit row it
writes, with the client's IP and user agent), who may not (403, nothing changed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from tests.api.conftest import assert_error, bearer
from tests.services.console.staff import audit_rows, balance, paid_video, reconciled, staff
from tests.support.videos import refunds, video
from v4a_portal.models import Role, User
from v4a_portal.services import permissions

AGENT = {"User-Agent": "staff-console-test/1.0"}


@dataclass(frozen=True)
class Action:
    """One staff action: how to set up its target, call it, and tell whether it happened."""

    permission: str
    method: str
    path: str  # {target} is the user or video id
    body: dict[str, object]
    target: Callable[[], int]
    happened: Callable[[int], bool]
    status: int = 200
    headers: dict[str, str] | None = None


def _customer(credits: int = 20) -> int:
    user = staff(Role.customer, credits)
    assert user.id is not None
    return user.id


def _role(user_id: int) -> str:
    from v4a_portal.db import session_scope

    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.role


def _disabled(user_id: int) -> bool:
    from v4a_portal.db import session_scope

    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.disabled


def _failed_video() -> int:
    return paid_video(_customer(), "failed", error_code="provider_error")


def _disabled_customer() -> int:
    user_id = _customer()
    from v4a_portal.db import session_scope

    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.disabled = True
        session.add(user)
    return user_id


def _signed_in_customer() -> int:
    from v4a_portal.db import session_scope
    from v4a_portal.services.auth import web_sessions

    user_id = _customer()
    with session_scope() as session:
        web_sessions.start(session, user_id)
    return user_id


def _sessions_open(user_id: int) -> bool:
    from sqlalchemy import func, select

    from v4a_portal.db import session_scope
    from v4a_portal.models import WebSession

    with session_scope() as session:
        return bool(
            session.execute(
                select(func.count())
                .select_from(WebSession)
                .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
            ).scalar_one()
        )


def _retried(video_id: int) -> bool:
    from sqlalchemy import select

    from v4a_portal.db import session_scope
    from v4a_portal.models import Video

    with session_scope() as session:
        return (
            session.execute(select(Video.id).where(Video.retry_of_id == video_id)).first()
            is not None
        )


ACTIONS = {
    "adjust": Action(
        "credits.adjust",
        "POST",
        "/api/v1/staff/users/{target}/credits",
        {"delta": 5, "category": "goodwill", "reason": "sorry"},
        _customer,
        lambda t: balance(t) == 25,
        headers={"Idempotency-Key": "adjust-1"},
    ),
    "disable": Action(
        "users.disable",
        "POST",
        "/api/v1/staff/users/{target}/disable",
        {"reason": "fraud"},
        _customer,
        _disabled,
    ),
    "enable": Action(
        "users.disable",
        "POST",
        "/api/v1/staff/users/{target}/enable",
        {"reason": "cleared"},
        _disabled_customer,
        lambda t: not _disabled(t),
    ),
    "signout": Action(
        "users.signout",
        "POST",
        "/api/v1/staff/users/{target}/signout",
        {"reason": "lost laptop"},
        _signed_in_customer,
        lambda t: not _sessions_open(t),
    ),
    "set_role": Action(
        "users.set_role",
        "PUT",
        "/api/v1/staff/users/{target}/role",
        {"role": "analyst", "reason": "joined"},
        _customer,
        lambda t: _role(t) == "analyst",
    ),
    "refund": Action(
        "videos.refund",
        "POST",
        "/api/v1/staff/videos/{target}/refund",
        {"reason": "bad clip"},
        lambda: paid_video(_customer(), "completed"),
        lambda t: len(refunds(t)) == 1,
    ),
    "retry": Action(
        "videos.retry",
        "POST",
        "/api/v1/staff/videos/{target}/retry",
        {"charge": False, "reason": "outage"},
        _failed_video,
        _retried,
        status=202,
    ),
    "cancel": Action(
        "videos.cancel",
        "POST",
        "/api/v1/staff/videos/{target}/cancel",
        {"reason": "stuck"},
        lambda: paid_video(_customer(), "processing"),
        lambda t: video(t).status == "canceled",
    ),
    "bulk_retry": Action(
        "videos.bulk_retry",
        "POST",
        "/api/v1/staff/videos/retry-bulk",
        {"error_code": "provider_error", "charge": False, "reason": "outage", "dry_run": False},
        _failed_video,
        _retried,
        headers={"Idempotency-Key": "bulk-1"},
    ),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("name", list(ACTIONS))
def test_every_action_for_every_role(
    api_client: TestClient, redis_conn: Redis, name: str, role: Role
) -> None:
    action = ACTIONS[name]
    target = action.target()
    caller = staff(role)
    url = action.path.format(target=target)
    headers = {**bearer(caller), **AGENT, **(action.headers or {})}

    response = api_client.request(action.method, url, json=action.body, headers=headers)

    if role in permissions.MATRIX[action.permission]:
        assert response.status_code == action.status, response.text
        assert action.happened(target)
        [row] = audit_rows()
        assert row.actor_id == caller.id and row.action.startswith(action.permission.split(".")[0])
        assert (row.ip, row.user_agent) == ("testclient", AGENT["User-Agent"])
        assert row.reason == action.body["reason"]
        assert row.before is not None and row.after is not None
    else:
        assert_error(response, 403, "forbidden")
        assert not action.happened(target)
        assert audit_rows() == []
    assert reconciled() == []


def test_errors_have_the_one_shape(api_client: TestClient, redis_conn: Redis) -> None:
    support, customer = staff(Role.support), _customer(10)
    headers = {**bearer(support), **AGENT}
    url = f"/api/v1/staff/users/{customer}/credits"
    below = api_client.post(
        url, json={"delta": -11, "category": "correction", "reason": "x"}, headers=headers
    )
    assert "below zero" in assert_error(below, 409, "below_zero")["message"]
    over = api_client.post(
        url, json={"delta": 501, "category": "goodwill", "reason": "x"}, headers=headers
    )
    assert_error(over, 422, "over_limit")
    no_reason = api_client.post(
        url, json={"delta": 5, "category": "goodwill", "reason": ""}, headers=headers
    )
    assert_error(no_reason, 422, "invalid_input")
    bad_category = api_client.post(
        url, json={"delta": 5, "category": "gift", "reason": "x"}, headers=headers
    )
    assert_error(bad_category, 422, "invalid_input")
    active = paid_video(customer, "processing")
    refund = api_client.post(
        f"/api/v1/staff/videos/{active}/refund", json={"reason": "x"}, headers=headers
    )
    assert_error(refund, 409, "video_active")
    missing = api_client.post(
        "/api/v1/staff/videos/999999/cancel", json={"reason": "x"}, headers=headers
    )
    assert_error(missing, 404, "not_found")
    assert audit_rows() == [] and balance(customer) == 10 - 4


def test_the_same_idempotency_key_adjusts_once(api_client: TestClient) -> None:
    admin, customer = staff(Role.admin), _customer(0)
    headers = {**bearer(admin), "Idempotency-Key": "dialog-42"}
    body = {"delta": 9, "category": "compensation", "reason": "late"}
    url = f"/api/v1/staff/users/{customer}/credits"
    first, second = (api_client.post(url, json=body, headers=headers) for _ in range(2))
    assert first.json() | {"replayed": True} == second.json()
    assert second.json()["replayed"] is True and balance(customer) == 9
    assert len(audit_rows()) == 1


def test_bulk_retry_preview_then_submit(api_client: TestClient, redis_conn: Redis) -> None:
    support = staff(Role.support)
    vids = [paid_video(_customer(), "failed", error_code="quota") for _ in range(2)]
    url = "/api/v1/staff/videos/retry-bulk"
    headers = bearer(support)
    preview = api_client.post(url, json={"error_code": "quota", "charge": True}, headers=headers)
    assert preview.status_code == 200, preview.text
    assert (preview.json()["count"], preview.json()["credits"], preview.json()["dry_run"]) == (
        2,
        8,
        True,
    )
    assert audit_rows() == []
    keyless = api_client.post(
        url, json={"error_code": "quota", "reason": "x", "dry_run": False}, headers=headers
    )
    assert_error(keyless, 422, "invalid_input")
    done = api_client.post(
        url,
        json={"error_code": "quota", "charge": True, "reason": "quota outage", "dry_run": False},
        headers={**headers, "Idempotency-Key": "outage-7"},
    )
    assert done.status_code == 200 and done.json()["video_ids"] == vids
    assert all(_retried(v) for v in vids) and len(audit_rows()) == 1 and reconciled() == []


def test_disabled_user_is_refused_at_once(api_client: TestClient) -> None:
    from tests.services.console.test_staff_accounts import _signed_in

    customer_id = _customer()
    cookie, pair = _signed_in(customer_id)
    me = {"Authorization": f"Bearer {pair.access_token}"}
    assert api_client.get("/api/v1/me", headers=me).status_code == 200
    admin = staff(Role.admin)
    response = api_client.post(
        f"/api/v1/staff/users/{customer_id}/disable",
        json={"reason": "fraud"},
        headers=bearer(admin),
    )
    assert response.status_code == 200 and response.json()["disabled"] is True
    assert_error(api_client.get("/api/v1/me", headers=me), 401)
    assert_error(api_client.get("/api/v1/me", headers={"Cookie": f"v4a_session={cookie}"}), 401)
    refreshed = api_client.post("/api/v1/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert_error(refreshed, 401)


def test_audit_over_the_api_pages_filters_and_streams_csv(api_client: TestClient) -> None:
    import csv
    import io

    admin, support, customer = staff(Role.admin), staff(Role.support), _customer(0)
    url = f"/api/v1/staff/users/{customer}/credits"
    for i in range(3):
        api_client.post(
            url, json={"delta": 1, "category": "other", "reason": f"r{i}"}, headers=bearer(support)
        )
    api_client.post(
        url, json={"delta": 2, "category": "other", "reason": "admin"}, headers=bearer(admin)
    )

    page = api_client.get("/api/v1/staff/audit", params={"limit": 2}, headers=bearer(admin)).json()
    assert [r["reason"] for r in page["rows"]] == ["admin", "r2"]
    rest = api_client.get(
        "/api/v1/staff/audit",
        params={"limit": 2, "before_id": page["next_before_id"]},
        headers=bearer(admin),
    ).json()
    assert [r["reason"] for r in rest["rows"]] == ["r1", "r0"] and rest["next_before_id"] is None
    assert (
        rest["rows"][0]["actor_email"] == support.email and rest["rows"][0]["after"]["credits"] == 2
    )

    own = api_client.get("/api/v1/staff/audit", headers=bearer(support)).json()
    assert len(own["rows"]) == 3
    opened = api_client.get(
        "/api/v1/staff/audit", params={"target_user_id": customer}, headers=bearer(support)
    )
    assert len(opened.json()["rows"]) == 4

    exported = api_client.get(
        "/api/v1/staff/audit",
        params={"format": "csv", "action": "credits.adjust"},
        headers=bearer(admin),
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["reason"] for r in rows] == ["admin", "r2", "r1", "r0"]
    assert json.loads(rows[0]["after"])["delta"] == 2
    assert_error(
        api_client.get(
            "/api/v1/staff/audit", params={"format": "csv"}, headers=bearer(staff(Role.analyst))
        ),
        403,
    )
    # append-only: no route changes or deletes a row
    for method in ("PUT", "PATCH", "DELETE"):
        assert (
            api_client.request(method, "/api/v1/staff/audit", headers=bearer(admin)).status_code
            == 405
        )


def test_openapi_documents_every_staff_action(api_client: TestClient) -> None:
    paths = api_client.get("/api/openapi.json").json()["paths"]
    for action in ACTIONS.values():
        path = action.path.replace(
            "{target}", "{video_id}" if "/videos/" in action.path else "{user_id}"
        )
        operation = paths[path][action.method.lower()]
        assert operation["summary"] and operation["responses"]
    assert "text/csv" in paths["/api/v1/staff/audit"]["get"]["responses"]["200"]["content"]
