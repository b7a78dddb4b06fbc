"""The browser sign-in, end to end over HTTP: our routes, authlib, the real provider."""

from __future__ import annotations

from http.cookies import SimpleCookie

import httpx
from fastapi.testclient import TestClient

from tests.api.conftest import (
    Provider,
    browser_sign_in,
    count,
    new_person,
    query,
    settings_env,
    start_login,
)
from v4a_portal.api.app import create_api


def set_cookie(response: httpx.Response, name: str) -> str:
    """The raw Set-Cookie header for `name` (attributes included)."""
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def attributes(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    jar.load(header)
    morsel = next(iter(jar.values()))
    return {k.lower(): str(v) for k, v in morsel.items() if v}


def test_login_redirects_to_provider_with_state_nonce_and_pkce(
    api_client: TestClient, oidc_provider: str
) -> None:
    authorize = start_login(api_client, "/account")
    assert authorize.startswith(f"{oidc_provider}/oauth2/authorize?")
    params = query(authorize)
    assert params["response_type"] == "code"
    assert params["client_id"] == "v4a-portal-dev"
    assert params["redirect_uri"] == "http://testserver/api/v1/auth/google/callback"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 16
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url SHA-256, no padding
    assert "v4a_oauth" in api_client.cookies


def test_sign_in_sets_session_cookie_and_me_shows_new_user(
    api_client: TestClient, provider: Provider
) -> None:
    sub, email = new_person(provider, "Alice")
    response = browser_sign_in(api_client, provider, sub, "/account")

    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    attrs = attributes(set_cookie(response, "v4a_session"))
    assert attrs["httponly"] and attrs["samesite"].lower() == "lax"
    assert attrs["path"] == "/" and int(attrs["max-age"]) == 14 * 86400
    assert "secure" not in attrs  # http public URL: a Secure cookie would never come back

    me = api_client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    body = me.json()
    assert (body["email"], body["name"], body["credits"]) == (email, "Alice", 50)
    assert body["role"] == "customer"
    assert count() == 1


def test_second_sign_in_finds_the_same_user(api_client: TestClient, provider: Provider) -> None:
    sub, _ = new_person(provider)
    first = browser_sign_in(api_client, provider, sub).headers["location"]
    second = browser_sign_in(api_client, provider, sub).headers["location"]
    assert first == second == "/"
    assert count() == 1
    assert api_client.get("/api/v1/me").json()["credits"] == 50  # no second signup bonus


def test_https_public_url_makes_cookies_secure(sqlite_db: str, provider: Provider) -> None:
    sub, _ = new_person(provider)
    with (
        settings_env(V4A_PUBLIC_URL="https://portal.example"),
        TestClient(
            create_api(), base_url="https://portal.example", follow_redirects=False
        ) as client,
    ):
        login = client.get("/api/v1/auth/google/login")
        assert "secure" in attributes(set_cookie(login, "v4a_oauth"))
        redirect_uri = query(login.headers["location"])["redirect_uri"]
        assert redirect_uri == "https://portal.example/api/v1/auth/google/callback"

        response = client.get(provider.approve(login.headers["location"], sub))
        assert response.status_code == 303, response.text
        attrs = attributes(set_cookie(response, "v4a_session"))
        assert attrs["secure"] and attrs["httponly"] and attrs["samesite"].lower() == "lax"
        assert client.get("/api/v1/me").status_code == 200


def test_configured_admin_email_signs_in_as_admin(
    api_client: TestClient, provider: Provider
) -> None:
    sub, email = new_person(provider, "Ada")
    with settings_env(V4A_ADMIN_EMAILS=email.upper()):
        assert browser_sign_in(api_client, provider, sub).status_code == 303
    assert api_client.get("/api/v1/me").json()["role"] == "admin"
    assert api_client.get("/api/v1/staff/users").status_code == 200
