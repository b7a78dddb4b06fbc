"""Revoking a refresh family stops its access tokens at once, not 15 minutes later."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Provider, assert_error, new_person
from v4a_portal.db import session_scope
from v4a_portal.services.auth import api_tokens


def _sign_in(client: TestClient, provider: Provider) -> dict[str, str]:
    sub, _ = new_person(provider)
    response = client.post("/api/v1/auth/google", json={"id_token": provider.id_token(sub)})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _me(client: TestClient, access: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"}).status_code


def test_refresh_reuse_kills_the_familys_access_tokens_at_once(
    db_client: TestClient, provider: Provider
) -> None:
    first = _sign_in(db_client, provider)
    other_sign_in = _sign_in(db_client, provider)
    rotated = db_client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    second = rotated.json()
    assert _me(db_client, first["access_token"]) == _me(db_client, second["access_token"]) == 200

    # The old refresh token again: it leaked, the family is revoked.
    reuse = db_client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert_error(reuse, 401, "token_reused")

    for access in (first["access_token"], second["access_token"]):
        response = db_client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})
        assert_error(response, 401, "token_revoked")
    assert _me(db_client, other_sign_in["access_token"]) == 200  # another family lives on


def test_revoke_family_is_what_stops_them(db_client: TestClient, provider: Provider) -> None:
    pair = _sign_in(db_client, provider)
    import jwt

    family = jwt.decode(pair["access_token"], options={"verify_signature": False})["fam"]
    with session_scope() as session:
        api_tokens.revoke_family(session, family)
    assert _me(db_client, pair["access_token"]) == 401
