"""Helpers for the API tests: drive the real OIDC provider, make users, switch settings.

Nothing of ours is mocked: the provider is the `oidc-provider-mock` server from
tests/conftest.py, reached over HTTP, and our side runs authlib and PyJWT for real.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from v4a_portal.db import session_scope
from v4a_portal.models import Role, User, WebSession
from v4a_portal.services import accounts
from v4a_portal.services.auth import api_tokens
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings


class Provider:
    """The mock provider as a person in a browser would use it."""

    def __init__(self, base: str) -> None:
        self.base = base

    def set_user(self, sub: str, email: str | None = None, name: str | None = None) -> None:
        claims = {"email": email, "name": name}
        response = httpx.put(
            f"{self.base}/users/{sub}", json={k: v for k, v in claims.items() if v}
        )
        assert response.status_code == 204, response.text

    def approve(self, authorize_url: str, sub: str) -> str:
        """Open the provider's form, sign in as `sub`; return where it sends the browser."""
        form = httpx.get(authorize_url)
        assert form.status_code == 200, form.text
        response = httpx.post(authorize_url, data={"sub": sub})
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def deny(self, authorize_url: str) -> str:
        response = httpx.post(authorize_url, data={"action": "deny"})
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def id_token(self, sub: str, client_id: str | None = None) -> str:
        """A real ID token for `sub`, through the authorization-code flow of `client_id`."""
        client_id = client_id or get_settings().oidc_client_id
        redirect_uri = "http://client.example/callback"
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email profile",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
        }
        location = self.approve(str(httpx.URL(f"{self.base}/oauth2/authorize", params=params)), sub)
        code = query(location)["code"]
        response = httpx.post(
            f"{self.base}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": "any",
            },
        )
        assert response.status_code == 200, response.text
        return str(response.json()["id_token"])


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def provider(oidc_provider: str) -> Provider:
    return Provider(oidc_provider)


def new_person(provider: Provider, name: str = "Pat") -> tuple[str, str]:
    """A fresh provider account; returns (sub, email). The provider outlives each test."""
    sub = f"{name.lower()}-{secrets.token_hex(4)}"
    email = f"{sub}@example.com"
    provider.set_user(sub, email=email, name=name)
    return sub, email


def start_login(client: TestClient, next_path: str | None = None) -> str:
    """GET our login route; return the provider's authorize URL it redirects to."""
    params = {"next": next_path} if next_path is not None else {}
    response = client.get("/api/v1/auth/google/login", params=params)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def browser_sign_in(
    client: TestClient, provider: Provider, sub: str, next_path: str | None = None
) -> httpx.Response:
    """The whole browser round trip; returns our callback's response."""
    callback = provider.approve(start_login(client, next_path), sub)
    return client.get(callback)


def count(model: type = User) -> int:
    with session_scope() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def count_sessions() -> int:
    return count(WebSession)


def make_user(role: Role | str = Role.customer, name: str = "Sam") -> User:
    """A signed-up user with `role`, made through the accounts service."""
    email = f"{name.lower()}-{secrets.token_hex(4)}@example.com"
    accounts.sign_in(accounts.Identity(subject=f"sub-{email}", email=email, name=name))
    with session_scope() as session:
        return accounts.set_role(session, email, role)


def bearer(user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_tokens.access_token(user)[0]}"}


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """The one error shape: {"error": {"code", "message"}} as JSON."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, body
    return error


@contextmanager
def settings_env(**env: str) -> Iterator[None]:
    """Run with environment overrides, re-reading settings; restore both afterwards."""
    saved = {k: os.environ.get(k) for k in env}

    def reload() -> None:
        get_settings.cache_clear()
        get_redis.cache_clear()

    os.environ.update(env)
    reload()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reload()


@pytest.fixture
def pg_api_client(pg_db: str, oidc_provider: str) -> Iterator[TestClient]:
    """Like `api_client`, on a fresh PostgreSQL database."""
    from v4a_portal.api.app import create_api

    with TestClient(create_api(), base_url="http://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture(params=["sqlite", "postgres"])
def db_client(request: pytest.FixtureRequest) -> TestClient:
    """The API client once on SQLite and once on PostgreSQL."""
    name = "api_client" if request.param == "sqlite" else "pg_api_client"
    return request.getfixturevalue(name)
