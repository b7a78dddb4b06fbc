"""Every way the browser sign-in can fail ends on a clear /signin error or a safe path,
and none of them creates a user or a session."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from oidc_provider_mock import run_server_in_thread

from tests.api.conftest import (
    Provider,
    browser_sign_in,
    count,
    count_sessions,
    new_person,
    query,
    settings_env,
    start_login,
)
from tests.support.servers import free_port
from v4a_portal.services.redirects import safe_next


def assert_signin_error(response: httpx.Response, code: str) -> None:
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/signin?error={code}"
    assert "v4a_session=" not in response.headers.get("set-cookie", "")


def with_state(callback: str, state: str | None) -> str:
    params = {"code": query(callback)["code"]} | ({"state": state} if state else {})
    return "/api/v1/auth/google/callback?" + "&".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("state", ["forged-state-value-123", None])
def test_forged_or_missing_state_is_rejected(
    api_client: TestClient, provider: Provider, state: str | None
) -> None:
    sub, _ = new_person(provider)
    callback = provider.approve(start_login(api_client), sub)
    assert_signin_error(api_client.get(with_state(callback, state)), "mismatching_state")
    assert count() == 0


def test_callback_from_another_browser_is_rejected(
    api_client: TestClient, provider: Provider
) -> None:
    # Login CSRF: a victim's browser must not finish a sign-in the attacker started.
    sub, _ = new_person(provider)
    callback = provider.approve(start_login(api_client), sub)
    with TestClient(api_client.app, base_url="http://testserver", follow_redirects=False) as other:
        assert_signin_error(other.get(callback), "mismatching_state")
    assert count() == 0


def test_provider_error_parameter(api_client: TestClient) -> None:
    start_login(api_client)
    response = api_client.get("/api/v1/auth/google/callback?error=access_denied&state=x")
    assert_signin_error(response, "access_denied")
    assert count() == 0


def test_deny_button_on_the_provider(api_client: TestClient, provider: Provider) -> None:
    callback = provider.deny(start_login(api_client))
    assert query(callback)["error"] == "access_denied"
    assert_signin_error(api_client.get(callback), "access_denied")
    assert count() == 0


def test_replayed_callback_creates_nothing_more(api_client: TestClient, provider: Provider) -> None:
    sub, _ = new_person(provider)
    callback = provider.approve(start_login(api_client), sub)
    oauth_cookie = api_client.cookies["v4a_oauth"]
    assert api_client.get(callback).status_code == 303
    assert (count(), count_sessions()) == (1, 1)

    # Same URL again: the one-time state is gone from the browser.
    assert_signin_error(api_client.get(callback), "mismatching_state")
    # Even with the old state cookie put back, the provider refuses a used code.
    api_client.cookies.set("v4a_oauth", oauth_cookie)
    assert_signin_error(api_client.get(callback), "invalid_grant")
    assert (count(), count_sessions()) == (1, 1)


@pytest.mark.parametrize(
    "outside",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "http:/evil.example",
    ],
)
def test_outside_next_ends_on_home(
    api_client: TestClient, provider: Provider, outside: str
) -> None:
    sub, _ = new_person(provider)
    response = browser_sign_in(api_client, provider, sub, outside)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/account", "/account"),
        ("/videos?page=2#top", "/videos?page=2#top"),
        (None, "/"),
        ("", "/"),
        ("account", "/"),
        ("///evil.example", "/"),
        ("/\\/evil.example", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
        ("https:evil.example", "/"),
    ],
)
def test_safe_next(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_provider_down_at_login(api_client: TestClient) -> None:
    closed = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    with settings_env(V4A_OIDC_DISCOVERY_URL=closed):
        response = api_client.get("/api/v1/auth/google/login", params={"next": "/account"})
    assert_signin_error(response, "provider_unavailable")
    assert count() == 0


def test_provider_down_at_callback(api_client: TestClient) -> None:
    with run_server_in_thread(port=free_port()) as server:
        base = f"http://127.0.0.1:{server.server_port}"
        Provider(base).set_user("bob", email="bob@example.com")
        with settings_env(V4A_OIDC_DISCOVERY_URL=f"{base}/.well-known/openid-configuration"):
            callback = Provider(base).approve(start_login(api_client), "bob")
    # The provider has stopped; exchanging the code cannot reach it.
    with settings_env(V4A_OIDC_DISCOVERY_URL=f"{base}/.well-known/openid-configuration"):
        assert_signin_error(api_client.get(callback), "provider_unavailable")
    assert count() == 0


def test_provider_without_email_is_refused(api_client: TestClient, provider: Provider) -> None:
    sub, _ = new_person(provider)
    provider.set_user(sub, name="No Mail")  # claims replaced: no email any more
    assert_signin_error(browser_sign_in(api_client, provider, sub), "no_email")
    assert count() == 0
