"""A route's database work is committed before its response leaves.

Otherwise a client holding the response can race the commit (a fresh refresh token
that does not exist yet, a logout that has not happened yet) or get a 200 for work a
failed commit threw away.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing

from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from tests.api.conftest import make_user
from v4a_portal.api.app import create_api
from v4a_portal.db import session_scope
from v4a_portal.services.auth import api_tokens


def watching(on_start: Callable[[], object]) -> tuple[TestClient, list[object]]:
    """A client whose app records `on_start()` when each response starts to be sent."""
    api = create_api()
    seen: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async def spy(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen.append(on_start())
            await send(message)

        await api(scope, receive, spy)

    return TestClient(app, base_url="http://testserver", follow_redirects=False), seen


def read(db_url: str, sql: str) -> list[tuple]:
    # A plain reader: never waits on the request's write lock (WAL), sees only commits.
    with closing(sqlite3.connect(db_url.removeprefix("sqlite:///"))) as conn:
        return conn.execute(sql).fetchall()


def test_refresh_is_committed_before_the_response(sqlite_db: str) -> None:
    user = make_user()
    with session_scope() as session:
        refresh = api_tokens.issue(session, user).refresh_token
    client, seen = watching(lambda: read(sqlite_db, "SELECT count(*) FROM refresh_tokens"))
    with client:
        response = client.post("/api/v1/auth/refresh", json={"refresh_token": refresh})
    assert response.status_code == 200
    assert seen == [[(2,)]]  # the rotated token was already stored


def test_logout_is_committed_before_the_response(sqlite_db: str) -> None:
    from v4a_portal.services.auth import web_sessions

    user = make_user()
    assert user.id is not None
    with session_scope() as session:
        cookie = web_sessions.start(session, user.id)
    sql = "SELECT count(*) FROM web_sessions WHERE revoked_at IS NOT NULL"
    client, seen = watching(lambda: read(sqlite_db, sql))
    with client:
        client.post(
            "/api/v1/auth/logout",
            # From the portal's own page, as a browser sends it (api/origin_check.py).
            headers={"Cookie": f"v4a_session={cookie}", "Origin": "http://testserver"},
        )
    assert seen == [[(1,)]]
