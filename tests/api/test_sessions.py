"""Browser sessions: logout ends them, and a disabled account cannot use or start one."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.api.conftest import (
    Provider,
    assert_error,
    browser_sign_in,
    count_sessions,
    new_person,
)
from v4a_portal.db import session_scope
from v4a_portal.models import WebSession, utcnow
from v4a_portal.services import accounts


def signed_in(client: TestClient, provider: Provider) -> str:
    """Sign in through the browser flow; return the session cookie value."""
    sub, _ = new_person(provider)
    assert browser_sign_in(client, provider, sub).status_code == 303
    return client.cookies["v4a_session"]


def with_cookie(client: TestClient, cookie: str) -> httpx.Response:
    """GET /me with exactly this cookie value, nothing from the jar."""
    client.cookies.clear()
    return client.get("/api/v1/me", headers={"Cookie": f"v4a_session={cookie}"})


def test_logout_ends_the_session(api_client: TestClient, provider: Provider) -> None:
    cookie = signed_in(api_client, provider)
    assert api_client.get("/api/v1/me").status_code == 200

    # From the portal's own page, as a browser sends it (api/origin_check.py).
    response = api_client.post("/api/v1/auth/logout", headers={"Origin": "http://testserver"})
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert 'v4a_session=""' in response.headers["set-cookie"]  # told to drop it
    # The old value is dead on the server too, not just forgotten by the browser.
    assert_error(with_cookie(api_client, cookie), 401, "not_authenticated")


def test_logout_without_a_session_is_harmless(api_client: TestClient) -> None:
    assert api_client.post("/api/v1/auth/logout").json() == {"ok": True}


def test_logout_needs_post(api_client: TestClient) -> None:
    assert_error(api_client.get("/api/v1/auth/logout"), 405, "method_not_allowed")


def test_expired_session_is_refused(api_client: TestClient, provider: Provider) -> None:
    cookie = signed_in(api_client, provider)
    with session_scope() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_error(with_cookie(api_client, cookie), 401, "not_authenticated")


def test_unknown_cookie_is_refused(api_client: TestClient) -> None:
    assert_error(with_cookie(api_client, "not-a-session"), 401, "not_authenticated")


def test_disabled_user_loses_session_and_cannot_sign_in(
    api_client: TestClient, provider: Provider
) -> None:
    sub, email = new_person(provider)
    assert browser_sign_in(api_client, provider, sub).status_code == 303
    cookie = api_client.cookies["v4a_session"]
    with session_scope() as session:
        user = accounts.by_email(session, email)
        assert user.id is not None
        accounts.set_disabled(session, user.id, True, actor=None)

    assert_error(with_cookie(api_client, cookie), 401, "not_authenticated")
    response = browser_sign_in(api_client, provider, sub, "/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?error=forbidden"
    assert count_sessions() == 1  # no new session for the disabled account
