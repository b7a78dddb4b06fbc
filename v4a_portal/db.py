"""Engine and sessions for SQLite (embedded) and PostgreSQL.

SQLite writers take the write lock at BEGIN (BEGIN IMMEDIATE) and wait on it
(busy_timeout), so concurrent writers queue instead of failing with
"database is locked" when a read transaction tries to upgrade.

PostgreSQL connections are pinged before use only when they sat idle in the pool for a
while: those are the ones a server restart or an idle timeout may have closed. A connection
in steady use skips the extra round trip that `pool_pre_ping` would pay on every checkout
(a third of a short transaction's time, bench/ledger.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from v4a_portal.settings import get_settings

PING_AFTER_IDLE_SECONDS = 2.0


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60, "isolation_level": None},
            pool_size=20,
            max_overflow=20,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(url, pool_size=20, max_overflow=20)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            # The server went away (restart, failover): the pool throws away every
            # connection it holds, as the others are as dead, and checks out a fresh one.
            raise exc.InvalidatePoolError(str(error)) from error


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    if settings.db_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.db_url)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def read_scope() -> Iterator[Connection]:
    """A Core connection in a transaction that commits, for reads that fetch columns rather
    than entities: no Session, identity map or ORM loading, which on a short query cost more
    than the query itself (bench/console.py)."""
    with get_engine().begin() as conn:
        yield conn


def reset_engine() -> None:
    """Forget the cached engine (tests switch databases through the environment)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()
