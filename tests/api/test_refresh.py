"""Refresh tokens rotate on use; a reused one revokes its whole family."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.api.conftest import Provider, assert_error, new_person
from v4a_portal.db import session_scope
from v4a_portal.models import RefreshToken, utcnow


def sign_in(client: TestClient, provider: Provider) -> dict[str, str]:
    sub, _ = new_person(provider)
    response = client.post("/api/v1/auth/google", json={"id_token": provider.id_token(sub)})
    assert response.status_code == 200, response.text
    return response.json()


def refresh(client: TestClient, token: str) -> httpx.Response:
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def test_refresh_rotates(db_client: TestClient, provider: Provider) -> None:
    first = sign_in(db_client, provider)
    response = refresh(db_client, first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    me = db_client.get("/api/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
    assert me.status_code == 200

    # The new one works once more; the old one is spent.
    assert refresh(db_client, second["refresh_token"]).status_code == 200
    assert refresh(db_client, first["refresh_token"]).status_code == 401


def test_reuse_revokes_the_family(db_client: TestClient, provider: Provider) -> None:
    first = sign_in(db_client, provider)
    other = sign_in(db_client, provider)  # another sign-in: a different family
    second = refresh(db_client, first["refresh_token"]).json()
    newest = refresh(db_client, second["refresh_token"]).json()

    assert_error(refresh(db_client, first["refresh_token"]), 401, "token_reused")
    # The thief's or the owner's newest token dies with it; other sign-ins live on.
    assert refresh(db_client, newest["refresh_token"]).status_code == 401
    assert refresh(db_client, other["refresh_token"]).status_code == 200


def test_unknown_refresh_token(api_client: TestClient) -> None:
    assert_error(refresh(api_client, "x" * 43), 401, "invalid_token")


def test_expired_refresh_token(api_client: TestClient, provider: Provider) -> None:
    pair = sign_in(api_client, provider)
    with session_scope() as session:
        session.execute(update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert_error(refresh(api_client, pair["refresh_token"]), 401, "token_expired")
