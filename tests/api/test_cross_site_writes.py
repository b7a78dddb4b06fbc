"""Writes authenticated by the session cookie must come from the portal's own pages
(api/origin_check.py); bearer-token clients are not affected."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.api.conftest import assert_error, make_user
from tests.support.samples import jpeg
from tests.support.videos import photo, script
from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import ledger
from v4a_portal.services.auth import api_tokens, web_sessions

OWN = "http://testserver"
FOREIGN = "http://testserver:8081"  # another port of the same host: same site, other origin


def _cookie_user(client: TestClient) -> User:
    user = make_user()
    assert user.id is not None
    with session_scope() as session:
        client.cookies.set(web_sessions.COOKIE_NAME, web_sessions.start(session, user.id))
    return user


def _balance(user: User) -> int:
    assert user.id is not None
    with session_scope() as session:
        return ledger.balance(session, user.id)


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": FOREIGN},
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Referer": f"{FOREIGN}/attack.html"},
        {},  # neither: a browser always sends one, so this is no page of ours
    ],
    ids=["origin", "null-origin", "referer", "none"],
)
def test_a_cookie_write_from_elsewhere_is_refused_and_moves_no_credits(
    api_client: TestClient, headers: dict[str, str]
) -> None:
    user = _cookie_user(api_client)
    assert user.id is not None
    sid = script(user.id, photo(user.id))
    before = _balance(user)

    response = api_client.post(f"/api/v1/scripts/{sid}/regenerate", headers=headers)

    assert_error(response, 403, "cross_origin_refused")
    assert _balance(user) == before


def test_the_portals_own_pages_may_write(api_client: TestClient) -> None:
    user = _cookie_user(api_client)
    assert user.id is not None
    sid = script(user.id, photo(user.id))
    by_origin = api_client.post(f"/api/v1/scripts/{sid}/regenerate", headers={"Origin": OWN})
    assert by_origin.status_code == 201, by_origin.text
    by_referer = api_client.post(
        f"/api/v1/scripts/{sid}/regenerate", headers={"Referer": f"{OWN}/studio"}
    )
    assert by_referer.status_code == 201, by_referer.text


def test_cancel_logout_and_upload_are_guarded_too(api_client: TestClient) -> None:
    _cookie_user(api_client)
    foreign = {"Origin": FOREIGN}
    upload = api_client.post(
        "/api/v1/ai/upload-image",
        headers=foreign,
        files={"file": ("mug.jpg", jpeg((120, 90)), "image/jpeg")},
    )
    assert_error(upload, 403, "cross_origin_refused")
    assert_error(api_client.post("/api/v1/videos/1/cancel", headers=foreign), 403)
    assert_error(api_client.post("/api/v1/auth/logout", headers=foreign), 403)
    # The session survived the refused logout.
    assert api_client.get("/api/v1/me").status_code == 200


def test_staff_writes_from_elsewhere_are_refused_before_any_check(api_client: TestClient) -> None:
    """A staff member's cookie on another origin's page: refused whatever the staff route,
    including the payment refund, and nothing is audited."""
    staff = _cookie_user(api_client)
    with session_scope() as session:
        row = session.get(User, staff.id)
        assert row is not None
        row.role = "admin"
    audited = "SELECT COUNT(*) FROM audit_log"
    with session_scope() as session:
        before = session.execute(text(audited)).scalar_one()
    balance = _balance(staff)
    foreign = {"Origin": FOREIGN}
    for path, body in (
        ("/api/v1/staff/payments/1/refund", {"reason": "x"}),
        (
            f"/api/v1/staff/users/{staff.id}/credits",
            {"delta": 5, "category": "other", "reason": "x"},
        ),
        ("/api/v1/staff/videos/1/cancel", None),
    ):
        assert_error(api_client.post(path, headers=foreign, json=body), 403, "cross_origin_refused")
    with session_scope() as session:
        assert session.execute(text(audited)).scalar_one() == before
    assert _balance(staff) == balance  # no adjustment went through


def test_bearer_clients_and_reads_are_not_affected(api_client: TestClient) -> None:
    user = _cookie_user(api_client)
    assert user.id is not None
    sid = script(user.id, photo(user.id))
    access, _ = api_tokens.access_token(user)
    response = api_client.post(
        f"/api/v1/scripts/{sid}/regenerate",
        headers={"Authorization": f"Bearer {access}", "Origin": FOREIGN},
    )
    assert response.status_code == 201, response.text
    assert api_client.get("/api/v1/me", headers={"Origin": FOREIGN}).status_code == 200


def test_allowed_origins_setting_admits_another_front_end(api_client: TestClient) -> None:
    from tests.api.conftest import settings_env

    _cookie_user(api_client)
    with settings_env(V4A_ALLOWED_ORIGINS=f"{FOREIGN}/"):
        response = api_client.post("/api/v1/auth/logout", headers={"Origin": FOREIGN})
    assert response.status_code == 200
