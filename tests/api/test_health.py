"""GET /api/health: database and Redis, with 503 "degraded" when one is down."""

from __future__ import annotations

from fastapi.testclient import TestClient
from redis import Redis

from tests.api.conftest import settings_env
from tests.support.servers import free_port


def test_healthy(api_client: TestClient, redis_conn: Redis) -> None:
    response = api_client.get("/api/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True, "backend": "sqlite"}
    assert body["checks"]["redis"] == {"ok": True}


def test_redis_down_is_degraded(api_client: TestClient) -> None:
    with settings_env(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"):
        response = api_client.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}
