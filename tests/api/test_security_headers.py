"""Security headers on API answers, the docs and media; media keeps its stricter policy."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient

from tests.api.conftest import settings_env

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def _check(headers: httpx.Headers) -> str:
    """Assert the fixed headers; return the Content-Security-Policy."""
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, name
    return headers.get("content-security-policy", "")


def test_api_answers_and_errors_carry_them(api_client: TestClient) -> None:
    for response in (
        api_client.get("/api/health"),
        api_client.get("/api/v1/me"),  # a 401
        api_client.get("/api/openapi.json"),
        api_client.get("/api/docs"),
    ):
        csp = _check(response.headers)
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "object-src 'none'" in csp and "base-uri 'self'" in csp
        assert (
            "script-src 'self' " in csp and "https:" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "ws://testserver" in csp  # the event socket on the portal's own host
    assert "strict-transport-security" not in response.headers  # plain http


def test_media_keeps_its_own_stricter_policy(api_client: TestClient) -> None:
    from v4a_portal.services import storage

    storage.local_storage().put_bytes(
        "uploads/1/x_probe.txt", b"<script>alert(1)</script>", "text/plain"
    )
    response = api_client.get("/media/uploads/1/x_probe.txt")
    assert response.status_code == 200
    csp = _check(response.headers)
    assert csp == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    assert len(response.headers.get_list("content-security-policy")) == 1


def test_https_adds_strict_transport_security(sqlite_db: str, oidc_provider: str) -> None:
    from v4a_portal.api.app import create_api

    with settings_env(V4A_PUBLIC_URL="https://testserver"):
        client = TestClient(create_api(), base_url="https://testserver")
        response = client.get("/api/health")
    assert response.headers["strict-transport-security"].startswith("max-age=")
    assert "wss://testserver" in response.headers["content-security-policy"]
