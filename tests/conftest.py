"""Fixtures for the real servers the tests use: SQLite, PostgreSQL, Redis, the OIDC provider.

PostgreSQL and Redis tests skip with a reason when the server does not answer, unless
V4A_REQUIRE_SERVICES=1 (CI sets it), where a missing server is a failure.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="v4a-tests-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
# Set before any v4a_portal import reads the settings.
os.environ.update(
    {
        "V4A_DATA_DIR": str(_TMP / "data"),
        "DATABASE_URL": "",
        "REDIS_URL": os.environ.get("V4A_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "V4A_PUBLIC_URL": "http://testserver",
        "V4A_ADMIN_EMAILS": "",
        "V4A_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
        # Billing talks to the local Stripe stand-in (the `stripe_standin` fixture).
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "whsec_test_0123456789abcdef",
        "V4A_STRIPE_MODE": "test",
    }
)

from tests.support.servers import free_port  # noqa: E402
from v4a_portal import schema_migrations  # noqa: E402
from v4a_portal.db import reset_engine  # noqa: E402

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get("V4A_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_SERVICES = os.environ.get("V4A_REQUIRE_SERVICES") == "1"


def _unavailable(what: str, why: object) -> None:
    message = f"{what} is not answering ({why}); start it or see README"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Await `coroutine` on a loop of its own, in a thread: the browser tests leave a loop
    running in this one, where asyncio.run refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def use_database(url: str) -> None:
    """Point the app at `url` (empty = the SQLite default under V4A_DATA_DIR)."""
    os.environ["DATABASE_URL"] = url
    reset_engine()


def _sqlite_url() -> str:
    path = _TMP / f"sqlite-{uuid.uuid4().hex[:8]}.db"
    return f"sqlite:///{path}"


def _create_pg_database(template: str = "") -> tuple[str, str]:
    import psycopg

    name = f"v4a_test_{uuid.uuid4().hex[:10]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL on 127.0.0.1:5432", exc)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    import psycopg

    reset_engine()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Migrating takes 0.1-0.2 s and most tests want a fresh migrated database: the migrations run
# once per kind of database, and each test gets a copy (a file copy; CREATE DATABASE ...
# TEMPLATE). tests/test_migrations.py runs the migrations themselves on empty databases.
_migrated: dict[str, str] = {}


def _migrated_sqlite() -> Path:
    if "sqlite" not in _migrated:
        path = _TMP / "migrated.db"
        use_database(f"sqlite:///{path}")
        schema_migrations.upgrade()
        reset_engine()  # the last connection closed folds the WAL into the file
        assert not path.with_name(f"{path.name}-wal").exists()
        _migrated["sqlite"] = str(path)
    return Path(_migrated["sqlite"])


def _migrated_pg() -> str:
    if "pg" not in _migrated:
        name, url = _create_pg_database()
        use_database(url)
        schema_migrations.upgrade()
        reset_engine()  # a template must have no connections while it is copied
        atexit.register(_drop_pg_database, name)
        _migrated["pg"] = name
    return _migrated["pg"]


@pytest.fixture
def sqlite_db() -> Iterator[str]:
    """A fresh migrated SQLite database."""
    url = _sqlite_url()
    shutil.copyfile(_migrated_sqlite(), url.removeprefix("sqlite:///"))
    use_database(url)
    yield url
    use_database("")


@pytest.fixture
def pg_db() -> Iterator[str]:
    """A fresh migrated PostgreSQL database, dropped afterwards."""
    name, url = _create_pg_database(template=_migrated_pg())
    use_database(url)
    yield url
    _drop_pg_database(name)
    use_database("")


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request: pytest.FixtureRequest) -> Iterator[str]:
    """Runs the test once on SQLite and once on PostgreSQL."""
    yield request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def empty_pg() -> Iterator[str]:
    """An empty (unmigrated) PostgreSQL database URL."""
    name, url = _create_pg_database()
    use_database(url)
    yield url
    _drop_pg_database(name)
    use_database("")


@pytest.fixture
def empty_sqlite() -> Iterator[str]:
    url = _sqlite_url()
    use_database(url)
    yield url
    use_database("")


@pytest.fixture
def redis_conn():  # type: ignore[no-untyped-def]
    """The test Redis database, flushed before and after."""
    from v4a_portal.services.redis_conn import get_redis

    get_redis.cache_clear()
    conn = get_redis()
    try:
        conn.ping()
    except Exception as exc:
        _unavailable("Redis on 127.0.0.1:6379", exc)
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[str]:
    """The real `oidc-provider-mock` server on a free port; yields its base URL."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=free_port()) as server:
        base = f"http://127.0.0.1:{server.server_port}"
        os.environ["V4A_OIDC_DISCOVERY_URL"] = f"{base}/.well-known/openid-configuration"
        reset_engine()
        yield base


@pytest.fixture
def api_client(sqlite_db: str, oidc_provider: str):  # type: ignore[no-untyped-def]
    """The FastAPI app in-process (httpx transport), on a fresh SQLite database."""
    from fastapi.testclient import TestClient

    from v4a_portal.api.app import create_api

    with TestClient(create_api(), base_url="http://testserver", follow_redirects=False) as c:
        yield c


@pytest.fixture
def portal_api(any_db: str) -> Iterator[str]:
    """The portal's API served over HTTP (for webhooks from the stand-in), on SQLite and
    on PostgreSQL; yields its base URL."""
    from tests.billing_support import serve_api

    with serve_api(free_port()) as url:
        yield url


@pytest.fixture
def stripe_standin(portal_api: str) -> Iterator[Any]:
    """The local Stripe stand-in on a free port, delivering its events to `portal_api`;
    the portal's Stripe client points at it."""
    from v4a_portal.settings import get_settings
    from v4a_portal.stripe_standin.server import running

    secret = get_settings().stripe_webhook_secret
    with running(free_port(), f"{portal_api}/api/v1/webhooks/stripe", secret) as standin:
        os.environ["V4A_STRIPE_STANDIN_URL"] = standin.url
        get_settings.cache_clear()
        try:
            yield standin
        finally:
            os.environ.pop("V4A_STRIPE_STANDIN_URL", None)
            get_settings.cache_clear()
