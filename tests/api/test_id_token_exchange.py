"""POST /api/v1/auth/google: an ID token counts once, and only with a vouched-for email."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Provider, assert_error, new_person
from v4a_portal.services.auth import identity
from v4a_portal.services.errors import Unauthorized


def _exchange(client: TestClient, id_token: str) -> httpx.Response:
    return client.post("/api/v1/auth/google", json={"id_token": id_token})


def test_the_same_id_token_is_exchanged_once(
    api_client: TestClient, provider: Provider, redis_conn: object
) -> None:
    sub, _ = new_person(provider)
    token = provider.id_token(sub)
    assert _exchange(api_client, token).status_code == 200
    assert_error(_exchange(api_client, token), 401, "token_replayed")
    assert _exchange(api_client, provider.id_token(sub)).status_code == 200  # a fresh one


@pytest.mark.parametrize("verified", [False, "false", "False", 0, None])
def test_an_email_the_provider_does_not_vouch_for_is_refused(
    api_client: TestClient, provider: Provider, redis_conn: object, verified: object
) -> None:
    sub, email = new_person(provider)
    claims = {"email": email, "email_verified": verified}
    httpx.put(f"{provider.base}/users/{sub}", json=claims).raise_for_status()
    assert_error(_exchange(api_client, provider.id_token(sub)), 401, "no_email")


def test_a_vouched_email_passes(
    api_client: TestClient, provider: Provider, redis_conn: object
) -> None:
    sub, email = new_person(provider)
    claims = {"email": email, "email_verified": True}
    httpx.put(f"{provider.base}/users/{sub}", json=claims).raise_for_status()
    assert _exchange(api_client, provider.id_token(sub)).status_code == 200


def test_google_must_state_email_verified() -> None:
    claims = {"iss": "https://accounts.google.com", "sub": "1", "email": "a@example.com"}
    with pytest.raises(Unauthorized):
        identity.identity_from_claims(claims)
    assert (
        identity.identity_from_claims({**claims, "email_verified": True}).email == "a@example.com"
    )
    # A provider that never sends the claim (the local one) vouches by issuing the token.
    local = {**claims, "iss": "http://127.0.0.1:9400"}
    assert identity.identity_from_claims(local).email == "a@example.com"
