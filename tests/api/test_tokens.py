"""REST sign-in: a provider ID token in, our access + refresh tokens out; access JWT checks."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    Provider,
    assert_error,
    bearer,
    make_user,
    new_person,
    settings_env,
)
from tests.support.servers import free_port
from v4a_portal.models import User
from v4a_portal.services.auth import api_tokens
from v4a_portal.settings import get_settings


def exchange(client: TestClient, id_token: str) -> httpx.Response:
    return client.post("/api/v1/auth/google", json={"id_token": id_token})


def me(client: TestClient, access: str) -> httpx.Response:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})


def test_id_token_exchange_gives_working_tokens(db_client: TestClient, provider: Provider) -> None:
    sub, email = new_person(provider, "Tia")
    response = exchange(db_client, provider.id_token(sub))
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 15 * 60
    assert pair["refresh_token"] and pair["access_token"].count(".") == 2

    profile = me(db_client, pair["access_token"])
    assert profile.status_code == 200, profile.text
    assert (profile.json()["email"], profile.json()["credits"]) == (email, 50)


def test_id_token_for_another_client_is_refused(api_client: TestClient, provider: Provider) -> None:
    sub, _ = new_person(provider)
    assert_error(exchange(api_client, provider.id_token(sub, "someone-else")), 401, "invalid_token")


@pytest.mark.parametrize("garbage", ["not-a-jwt-at-all", "aaaa.bbbb.cccc", "e30.e30.e30"])
def test_garbage_id_token_is_refused(api_client: TestClient, garbage: str) -> None:
    assert_error(exchange(api_client, garbage), 401, "invalid_token")


def test_id_token_exchange_with_provider_down(api_client: TestClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    with settings_env(V4A_OIDC_DISCOVERY_URL=closed):
        assert_error(exchange(api_client, "aaaa.bbbb.cccc"), 503, "unavailable")


def b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(user: User, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "sub": str(user.id),
        "role": user.role,
        "aud": api_tokens.AUDIENCE,
        "iss": "http://testserver",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "fam": "0" * 32,  # a refresh family that was never revoked
    }
    return base | changes


def sign(payload: dict[str, object], key: str | None = None) -> str:
    return jwt.encode(payload, key or get_settings().secret_key, algorithm="HS256")


def test_access_token_in_header_works(db_client: TestClient) -> None:
    user = make_user()
    assert db_client.get("/api/v1/me", headers=bearer(user)).json()["id"] == user.id
    assert me(db_client, sign(claims(user))).status_code == 200  # our hand-made control


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("expired", "token_expired"),
        ("wrong_signature", "invalid_token"),
        ("alg_none", "invalid_token"),
        ("wrong_audience", "invalid_token"),
        ("wrong_issuer", "invalid_token"),
        ("no_expiry", "invalid_token"),
        ("unknown_user", "account_unavailable"),
        ("garbage", "invalid_token"),
    ],
)
def test_bad_access_tokens_are_refused(api_client: TestClient, case: str, code: str) -> None:
    user = make_user()
    past = datetime.now(UTC) - timedelta(minutes=1)
    token = {
        "expired": lambda: sign(claims(user, exp=past, iat=past - timedelta(minutes=15))),
        "wrong_signature": lambda: sign(claims(user), "another-secret-0123456789abcdef01234"),
        "alg_none": lambda: (
            f"{b64({'alg': 'none', 'typ': 'JWT'})}."
            f"{b64({**claims(user), 'iat': 0, 'exp': 4102444800})}."
        ),
        "wrong_audience": lambda: sign(claims(user, aud="someone-else")),
        "wrong_issuer": lambda: sign(claims(user, iss="https://evil.example")),
        "no_expiry": lambda: sign({k: v for k, v in claims(user).items() if k != "exp"}),
        "unknown_user": lambda: sign(claims(user, sub="999999")),
        "garbage": lambda: "garbage",
    }[case]()
    response = me(api_client, token)
    assert_error(response, 401, code)
    assert response.headers["www-authenticate"] == "Bearer"


def test_disabled_user_cannot_use_access_token_or_id_token(
    db_client: TestClient, provider: Provider
) -> None:
    from v4a_portal.db import session_scope
    from v4a_portal.services import accounts

    sub, email = new_person(provider)
    pair = exchange(db_client, provider.id_token(sub)).json()
    with session_scope() as session:
        user = accounts.by_email(session, email)
        assert user.id is not None
        accounts.set_disabled(session, user.id, True, actor=None)

    assert_error(me(db_client, pair["access_token"]), 401, "account_unavailable")
    refreshed = db_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert_error(refreshed, 401, "account_unavailable")
    assert_error(exchange(db_client, provider.id_token(sub)), 403, "forbidden")
