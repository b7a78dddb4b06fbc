"""A database that stops answering (a restart, a failover) is a 503 `unavailable` JSON body
with Retry-After, not a 500; the API answers again as soon as it is back, without a restart
of the web process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, bearer, make_user
from tests.conftest import PG_ADMIN_URL


@contextmanager
def database_down(url: str) -> Iterator[None]:
    """Refuse new connections to the database and end the open ones, as a restart does."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def test_a_database_that_stops_answering_is_a_503_then_answers_again(
    pg_api_client: TestClient, pg_db: str
) -> None:
    headers = bearer(make_user(name="Dana"))
    assert pg_api_client.get("/api/v1/me", headers=headers).status_code == 200

    with database_down(pg_db):
        for _ in range(2):  # the pooled connection that died, then a refused new one
            response = pg_api_client.get("/api/v1/me", headers=headers)
            error = assert_error(response, 503, "unavailable")
            assert "database" in error["message"]
            assert response.headers["retry-after"] == "1"

    me = pg_api_client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "Dana"
