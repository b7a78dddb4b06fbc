"""Analytics endpoints against the bare SQL they run, on a seeded PostgreSQL database.

    .venv/bin/python bench/analytics.py [--scale 1000000] [--runs 5]

Creates its own database, seeds it with `seed-demo --scale N` (timed), then for each
`GET /api/v1/analytics/...` over a 90-day window measures:
- live: the server time (the FastAPI app in-process: auth, filters, queries, shaping, JSON)
  of the window spelled as custom dates, which no snapshot serves, against the bare time of
  the same SQL statements (captured from the endpoint's own run, replayed on a raw psycopg
  connection);
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
            conn.execute(statement, params).fetchall()
        elapsed = time.perf_counter() - start
        conn.rollback()
    return elapsed


def analytics_statements(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The report's own queries, without the session/user lookup every request makes."""
    return [
        (s, p)
        for s, p in statements
        if "web_sessions" not in s and "FROM users \nWHERE users.id" not in s
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from v4a_portal.api.app import create_api

    with bench_database() as url:
        schema_migrations.upgrade()
        demo.seed()
        start = time.perf_counter()
        demo_scale.seed(args.scale)
        seeded = time.perf_counter() - start
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            db_size = size.fetchone()[0]  # type: ignore[index]
        print(f"seed-demo --scale {args.scale}: {seeded:.1f} s; database size {db_size}")
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
        print(f"{'endpoint':<12}{'live ms':>9}{'bare SQL ms':>13}{'ratio':>7}{'served ms':>11}")
        worst = 0.0
        f = Filters.from_query({"window": "90d"})
        live_window = f"window=custom&start={f.start}&end={f.end}"
        for name in ENDPOINTS:
            path = f"/api/v1/analytics/{name}?{live_window}"
            with captured() as statements:
                response = client.get(path, headers=headers)  # warms caches and plans
            assert response.status_code == 200, response.text
            bare_sql = analytics_statements(statements)
            server, bare = [], []
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(path, headers=headers)
                server.append(time.perf_counter() - start)
                bare.append(bare_seconds(url, bare_sql))
            served = []
            for _ in range(args.runs):
                start = time.perf_counter()
                response = client.get(f"/api/v1/analytics/{name}?{WINDOW}", headers=headers)
                served.append(time.perf_counter() - start)
                assert response.json()["source"] == "snapshot"
            s, b, v = statistics.median(server), statistics.median(bare), statistics.median(served)
            worst = max(worst, v)
            print(f"{name:<12}{s * 1000:>9.0f}{b * 1000:>13.0f}{s / b:>7.2f}{v * 1000:>11.0f}")
        client.close()
    print(f"slowest served endpoint: {worst * 1000:.0f} ms (aim < 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
