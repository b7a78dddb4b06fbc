"""Ledger throughput against a bare conditional UPDATE, on a throwaway database.

    .venv/bin/python bench/ledger.py [--threads 8] [--seconds 5] [--rounds 2] [--shared] [--sqlite]

Both sides use the app's engine (same pool, same connect settings) and the same
contention pattern: every thread debits its own user, or all share one (--shared).
The bare side holds one connection per thread and commits every UPDATE; the ledger
side is `ledger.apply`: a pool checkout per debit (pinged only after an idle spell, see
db.py), the conditional UPDATE and the ledger INSERT (one statement on PostgreSQL, two on
SQLite), the commit.
The ratio is ledger / bare; the aim is >= 0.5. Both sides are CPU-bound on small
machines, so the load average is printed: other work on the box skews the figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from v4a_portal import schema_migrations
from v4a_portal.db import get_engine, reset_engine, session_scope
from v4a_portal.models import LedgerKind, User
from v4a_portal.services import ledger

PG_ADMIN_URL = os.environ.get("V4A_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
OPENING = 10**9
BARE_SQL = text("UPDATE users SET credits = credits - 1 WHERE id = :id AND credits >= 1")


@contextmanager
def scratch_database(sqlite: bool) -> Iterator[str]:
    """Point the app at a new empty database; drop it afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="v4a-bench-"))
    os.environ["V4A_DATA_DIR"] = str(tmp)
    if sqlite:
        url, drop = f"sqlite:///{tmp / 'bench.db'}", None
    else:
        import psycopg

        name = f"v4a_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url, drop = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", name
    os.environ["DATABASE_URL"] = url
    reset_engine()
    try:
        yield url
    finally:
        reset_engine()
        shutil.rmtree(tmp, ignore_errors=True)
        if drop:
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')


def make_users(count: int) -> list[int]:
    ids = []
    for n in range(count):
        with session_scope() as session:
            user = User(email=f"bench{n}@bench.example")
            session.add(user)
            session.flush()
            assert user.id is not None
            ledger.post(
                session, user_id=user.id, delta=OPENING, kind=LedgerKind.purchase, key=f"open:{n}"
            )
            ids.append(user.id)
    return ids


Body = Callable[[int, Callable[[], bool]], int]


def run_threads(threads: int, seconds: float, body: Body) -> float:
    """Start `threads` bodies together; each loops while its `running()` is true and
    returns how many operations it completed. Returns operations per second."""
    start = threading.Barrier(threads + 1)
    deadline = [0.0]
    counts = [0] * threads

    def runner(n: int) -> None:
        start.wait()
        counts[n] = body(n, lambda: time.perf_counter() < deadline[0])

    workers = [threading.Thread(target=runner, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - began)


def ledger_body(users: list[int], tag: str) -> Body:
    def body(n: int, running: Callable[[], bool]) -> int:
        user_id, done = users[n % len(users)], 0
        while running():
            ledger.apply(user_id=user_id, delta=-1, kind=LedgerKind.script, key=f"{tag}:{n}:{done}")
            done += 1
        return done

    return body


def bare_body(users: list[int]) -> Body:
    def body(n: int, running: Callable[[], bool]) -> int:
        user_id, done = users[n % len(users)], 0
        with get_engine().connect() as conn:
            while running():
                assert conn.execute(BARE_SQL, {"id": user_id}).rowcount == 1
                conn.commit()
                done += 1
        return done

    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="ledger/bare pairs, alternated")
    parser.add_argument("--shared", action="store_true", help="all threads debit one user")
    parser.add_argument("--sqlite", action="store_true", help="SQLite file instead of PostgreSQL")
    args = parser.parse_args()

    with scratch_database(args.sqlite) as url:
        schema_migrations.upgrade()
        users = make_users(1 if args.shared else args.threads)
        pattern = "one shared user" if args.shared else "one user per thread"
        print(f"database: {url.split('@')[-1]}")
        print(f"{args.threads} threads, {pattern}, {args.seconds:g} s per measurement")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs, load average {load}\n")
        # A short warm-up fills the pool and the statement caches for both sides.
        run_threads(args.threads, 0.5, ledger_body(users, "warm"))
        run_threads(args.threads, 0.5, bare_body(users))

        ledger_rates, bare_rates = [], []
        for r in range(args.rounds):
            ledger_rates.append(run_threads(args.threads, args.seconds, ledger_body(users, f"{r}")))
            bare_rates.append(run_threads(args.threads, args.seconds, bare_body(users)))
            print(
                f"round {r + 1}: ledger.apply {ledger_rates[-1]:8.0f} debits/s   "
                f"bare UPDATE {bare_rates[-1]:8.0f} updates/s   "
                f"ratio {ledger_rates[-1] / bare_rates[-1]:.2f}"
            )
        ledger_rate = sum(ledger_rates) / len(ledger_rates)
        bare_rate = sum(bare_rates) / len(bare_rates)
        print(f"\nledger.apply   {ledger_rate:8.0f} debits/s   (UPDATE+INSERT, commit)")
        print(f"bare UPDATE    {bare_rate:8.0f} updates/s  (conditional UPDATE, commit)")
        print(f"ratio          {ledger_rate / bare_rate:8.2f}   (aim >= 0.5)")

    return 0


if __name__ == "__main__":
    raise SystemExit(main())
