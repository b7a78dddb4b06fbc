"""Analytics endpoints against the bare SQL they run, on a seeded PostgreSQL database.

    .venv/bin/python bench/analytics.py [--scale 1000000] [--runs 5]

Creates its own database, seeds it with `seed-demo --scale N` (timed) — or, with
`--database URL`, uses a database seeded before and leaves it — then for each
`GET /api/v1/analytics/...` over a 90-day window measures:
- live: the server time (the FastAPI app in-process: auth, filters, queries, shaping, JSON)
  of the window spelled as custom dates, which no snapshot serves, with no filter and with
  each of FILTERS, against the bare time of the same SQL statements (captured from the
  endpoint's own run, replayed on a raw psycopg connection);
- served: the server time of `window=90d` after the maintenance refresh stored it
  (services/analytics/snapshots.py), and how long that refresh took.
Aim: endpoint <= 1.5x bare and < 1 s each. Prints the seed time and the database size;
drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("V4A_DATA_DIR", tempfile.mkdtemp(prefix="v4a-bench-"))

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from v4a_portal import schema_migrations
from v4a_portal.db import get_engine, reset_engine, session_scope
from v4a_portal.models import Role, User
from v4a_portal.services import demo, demo_scale
from v4a_portal.services.analytics import snapshots
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.auth import api_tokens

PG_ADMIN_URL = os.environ.get("V4A_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ENDPOINTS = ["overview", "lineage", "scripts", "funnel", "providers"]
WINDOW = "window=90d"
FILTERS = ["", "tone=bold", "model=draft", "subscriber=yes", "writer=local&audience=gamers"]


@contextmanager
def seeded_database(url: str) -> Iterator[str]:
    os.environ["DATABASE_URL"] = url
    reset_engine()
    yield url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def bench_database() -> Iterator[str]:
    name = f"v4a_bench_analytics_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    os.environ["DATABASE_URL"] = url
    reset_engine()
    try:
        yield url
    finally:
        reset_engine()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    """The statements (with their parameters) the app sends while inside the block."""
    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        statements.append((statement, params))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def bare_seconds(url: str, statements: list[tuple[str, Any]]) -> float:
    """Run the captured statements on a raw connection; the time of all of them."""
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        for statement, params in statements:
            cursor = conn.execute(statement, params)
            if cursor.description is not None:  # SET and CREATE TABLE return no rows
                cursor.fetchall()
        elapsed = time.perf_counter() - start
        conn.rollback()
    return elapsed


def analytics_statements(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The report's own queries, without the session/user lookup every request makes."""
    return [(s, p) for s, p in statements if not _auth_lookup(s)]


def _auth_lookup(statement: str) -> bool:
    head = statement.lstrip()
    return "FROM web_sessions" in head or (
        head.startswith("SELECT users.") and "FROM users \nWHERE users.id = " in head
    )


def live_and_bare(
    client: TestClient, url: str, path: str, headers: dict[str, str], runs: int
) -> tuple[float, float]:
    """Median server time of `path` and of its SQL replayed bare, over `runs` runs."""
    with captured() as statements:
        response = client.get(path, headers=headers)  # warms caches and plans
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "live"
    bare_sql = analytics_statements(statements)
    server, bare = [], []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(path, headers=headers)
        server.append(time.perf_counter() - start)
        bare.append(bare_seconds(url, bare_sql))
    return statistics.median(server), statistics.median(bare)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", help="a PostgreSQL URL seeded before (kept as it is)")
    args = parser.parse_args()
    from v4a_portal.api.app import create_api

    database = seeded_database(args.database) if args.database else bench_database()
    with database as url:
        if not args.database:
            schema_migrations.upgrade()
            demo.seed()
            start = time.perf_counter()
            demo_scale.seed(args.scale)
            seeded = time.perf_counter() - start
            print(f"seed-demo --scale {args.scale}: {seeded:.1f} s")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            print(f"database size {size.fetchone()[0]}")  # type: ignore[index]
        with session_scope() as session:
            analyst = session.execute(
                select(User).where(User.role == Role.analyst.value)  # type: ignore[arg-type]
            ).scalar_one()
            headers = {"Authorization": f"Bearer {api_tokens.access_token(analyst)[0]}"}
        start = time.perf_counter()
        stored = snapshots.refresh()
        refresh = time.perf_counter() - start
        print(f"maintenance refresh of {stored} standard reports: {refresh:.1f} s")
        client = TestClient(create_api(), base_url="http://testserver")
        print(f"{'endpoint':<11}{'filter':<30}{'live ms':>8}{'bare SQL ms':>12}{'ratio':>7}")
        worst_live = worst_served = worst_ratio = 0.0
        f = Filters.from_query({"window": "90d"})
        live_window = f"window=custom&start={f.start}&end={f.end}"
        for name in ENDPOINTS:
            for extra in FILTERS:
                path = f"/api/v1/analytics/{name}?{live_window}" + (f"&{extra}" if extra else "")
                server, bare = live_and_bare(client, url, path, headers, args.runs)
                worst_live, worst_ratio = max(worst_live, server), max(worst_ratio, server / bare)
                label = extra or "(none)"
                ms = f"{server * 1000:>8.0f}{bare * 1000:>12.0f}{server / bare:>7.2f}"
                print(f"{name:<11}{label:<30}{ms}")
        print(f"{'endpoint':<11}{'served from the refresh, ms':>30}")
        for name in ENDPOINTS:
            served = []
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(f"/api/v1/analytics/{name}?{WINDOW}", headers=headers)
                served.append(time.perf_counter() - start)
                assert response.json()["source"] == "snapshot"
            worst_served = max(worst_served, statistics.median(served))
            print(f"{name:<11}{statistics.median(served) * 1000:>30.0f}")
        client.close()
    print(f"slowest live endpoint: {worst_live * 1000:.0f} ms; worst ratio {worst_ratio:.2f}")
    print(f"slowest served endpoint: {worst_served * 1000:.0f} ms (aim < 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
