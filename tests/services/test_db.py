"""The engine's connection checks: a pooled PostgreSQL connection that sat idle is pinged
before use and replaced when the server closed it; one in steady use is not pinged."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from v4a_portal import db


def _terminate_pooled_backend() -> int:
    """Close the server side of the one pooled connection, as a server restart would."""
    engine = db.get_engine()
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = db.make_engine(engine.url.render_as_string(hide_password=False))
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    return int(pid)


def test_idle_connection_closed_by_the_server_is_replaced(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every checkout counts as idle
    killed = _terminate_pooled_backend()
    with db.get_engine().connect() as conn:
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != killed


def test_connection_in_steady_use_is_not_pinged(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the ping a dead connection shows: the check above is what saves it."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    _terminate_pooled_backend()
    with pytest.raises(OperationalError), db.get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))
    with db.get_engine().connect() as conn:  # the pool dropped it; the next one works
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_one_dead_idle_connection_renews_the_whole_pool(
    pg_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed ping means the server went away: every pooled connection is as dead, so none
    of them is handed out afterwards, pinged or not."""
    engine = db.get_engine()
    first, second = engine.connect(), engine.connect()  # two connections in the pool
    pids = [c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (first, second)]
    first.close()
    second.close()
    admin = db.make_engine(engine.url.render_as_string(hide_password=False))
    with admin.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()

    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    with engine.connect() as conn:  # its ping fails: the pool is renewed
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() not in pids
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)  # no more pings
        with engine.connect() as other:  # not the other dead one
            assert other.execute(text("SELECT pg_backend_pid()")).scalar_one() not in pids
