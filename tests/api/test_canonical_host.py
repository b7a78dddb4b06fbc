"""Another host name than V4A_PUBLIC_URL's is sent there first (api/canonical_host.py)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect


def test_pages_and_api_on_another_host_are_redirected(api_client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/v1/auth/google/login?next=/studio"),
        ("GET", "/studio?x=1"),
        ("POST", "/api/v1/auth/refresh"),
    ]:
        response = api_client.request(method, path, headers={"Host": "localhost:8000"})
        assert response.status_code == 307, (method, path)  # method and body kept
        assert response.headers["location"] == f"http://testserver{path}"
        assert "set-cookie" not in response.headers  # nothing else happened
        assert response.headers["x-frame-options"] == "DENY"


def test_bearer_clients_get_the_same_answer_on_either_host(api_client: TestClient) -> None:
    from tests.api.conftest import bearer, make_user

    user = make_user()
    here = api_client.get("/api/v1/me", headers=bearer(user))
    there = api_client.get("/api/v1/me", headers={**bearer(user), "Host": "localhost:8000"})
    assert here.status_code == there.status_code == 200
    assert here.json() == there.json()


def test_the_canonical_host_and_probes_are_served(api_client: TestClient) -> None:
    assert api_client.get("/api/health").status_code in (200, 503)
    probe = api_client.get("/api/health", headers={"Host": "10.0.0.7:8000"})
    assert probe.status_code in (200, 503)
    login = api_client.get("/api/v1/auth/google/login", headers={"Host": "TESTSERVER"})
    assert login.status_code in (302, 303)  # host names compare case-blind


def test_a_socket_on_another_host_is_closed(api_client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        api_client.websocket_connect("/_event/?EIO=4", headers={"Host": "localhost"}),
    ):
        pass
    assert closed.value.code == 1008


@pytest.mark.parametrize(
    ("header", "name"),
    [("testserver", "testserver"), ("TestServer:80", "testserver"), ("[::1]:8000", "::1")],
)
def test_host_names_compare_like_the_public_urls(header: str, name: str) -> None:
    from v4a_portal.api.canonical_host import _hostname

    assert _hostname(header) == name


def test_webhooks_are_answered_on_any_host(api_client: TestClient) -> None:
    """Stripe posts to the address it was given and does not follow redirects: a bad
    signature is refused right there (400), not sent elsewhere."""
    response = api_client.post(
        "/api/v1/webhooks/stripe",
        content=b"{}",
        headers={"Host": "127.0.0.1:8000", "Stripe-Signature": "t=1,v1=00"},
    )
    assert response.status_code == 400
