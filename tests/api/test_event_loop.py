"""The async sign-in callback must not block the event loop on the database.

One web process serves the REST API and the Reflex websocket from one loop; a
callback waiting for SQLite's write lock (busy_timeout: up to a minute) would
freeze every other request of that process meanwhile.
"""

from __future__ import annotations

import sqlite3
import threading
import time

from fastapi.testclient import TestClient

from tests.api.conftest import Provider, new_person, start_login

HOLD = 3.0  # seconds another writer keeps the database locked


def test_callback_waits_for_the_database_off_the_loop(
    api_client: TestClient, provider: Provider, sqlite_db: str
) -> None:
    sub, _ = new_person(provider)
    callback = provider.approve(start_login(api_client), sub)

    writer = sqlite3.connect(
        sqlite_db.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    writer.execute("BEGIN IMMEDIATE")  # another process is writing
    threading.Timer(HOLD, writer.rollback).start()
    result: dict[str, int] = {}
    signing_in = threading.Thread(
        target=lambda: result.update(status=api_client.get(callback).status_code)
    )
    signing_in.start()
    # Meanwhile the callback reaches the locked database; a route that needs no
    # database must keep answering at once the whole time.
    until = time.monotonic() + HOLD / 2
    while time.monotonic() < until:
        started = time.monotonic()
        assert api_client.get("/api/docs").status_code == 200
        assert time.monotonic() - started < 1.0, "the event loop was blocked"
        time.sleep(0.05)

    signing_in.join(timeout=30)
    writer.close()
    assert result == {"status": 303}
