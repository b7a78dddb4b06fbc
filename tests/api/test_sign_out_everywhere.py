"""Staff "sign out everywhere": the user's browser sessions, refresh tokens and the access
tokens issued with them all stop at once; audited; nobody else is touched."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.api.conftest import Provider, assert_error, bearer, make_user, new_person
from v4a_portal.db import session_scope
from v4a_portal.models import AuditLog, Role
from v4a_portal.services import accounts
from v4a_portal.services.auth import web_sessions


def test_support_signs_a_user_out_everywhere(api_client: TestClient, provider: Provider) -> None:
    sub, email = new_person(provider)
    pairs = [
        api_client.post("/api/v1/auth/google", json={"id_token": provider.id_token(sub)}).json()
        for _ in range(2)
    ]
    with session_scope() as session:
        user = accounts.by_email(session, email)
        assert user.id is not None
        cookie = web_sessions.start(session, user.id)
    bystander = make_user()
    support = make_user(Role.support, "Sue")

    response = api_client.post(
        f"/api/v1/staff/users/{user.id}/signout",
        headers=bearer(support),
        json={"reason": "lost laptop"},
    )

    assert response.status_code == 200, response.text
    assert (response.json()["sessions_ended"], response.json()["tokens_revoked"]) == (1, 2)
    for pair in pairs:
        me = api_client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
        )
        assert_error(me, 401, "token_revoked")
        again = api_client.post(
            "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert again.status_code == 401
    by_cookie = api_client.get("/api/v1/me", headers={"Cookie": f"v4a_session={cookie}"})
    assert_error(by_cookie, 401, "not_authenticated")
    assert api_client.get("/api/v1/me", headers=bearer(bystander)).status_code == 200
    with session_scope() as session:
        row = session.execute(
            select(AuditLog).where(AuditLog.action == "users.signout")
        ).scalar_one()
        assert (row.actor_id, row.target_id) == (support.id, str(user.id))


def test_an_unknown_user_is_404(api_client: TestClient) -> None:
    admin = make_user(Role.admin)
    response = api_client.post(
        "/api/v1/staff/users/999999/signout", headers=bearer(admin), json={"reason": "test"}
    )
    assert_error(response, 404)
