"""The staff console's reads against the bare SQL each runs, on a seeded PostgreSQL database.

    .venv/bin/python bench/console.py [--scale 1.0] [--runs 40]

At scale 1: 100k users, 2M ledger rows, 1M videos and 1M audit rows, seeded with COPY into a
database of its own (created, migrated, dropped). Each case calls the console's service
function in-process (what a page event or an API route runs: session, permission, ORM,
result objects) and records the SQL statements it sends; the bare side replays exactly those
statements with their parameters, in the same transactions, on a raw driver connection and
fetches every row. Both are timed warm, alternately, over --runs calls with varying
arguments; the ratio is of the p95s. The aim: service p95 <= 1.5 x bare p95, and < 150 ms.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from v4a_portal import schema_migrations
from v4a_portal.db import get_engine, reset_engine, session_scope
from v4a_portal.models import User
from v4a_portal.services import accounts
from v4a_portal.services.console import audit_log
from v4a_portal.services.console.context import StaffContext

PG_ADMIN_URL = os.environ.get("V4A_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
FULL = {"users": 100_000, "ledger": 2_000_000, "videos": 1_000_000, "audit": 1_000_000}
STAFF = 40
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 300 * 86_400
PROVIDERS = [("draft", "draft"), ("veo", "veo-3.1-fast-generate-001"), ("sora", "sora-2")]
STATUSES = (
    ["completed"] * 80
    + ["failed"] * 12
    + ["canceled"] * 5
    + ["pending", "processing", "processing"]
)
ERRORS = ["provider_error", "quota", "timed_out", "content_policy"]
ACTIONS = list(audit_log.ACTIONS)


@contextmanager
def scratch_database() -> Iterator[str]:
    import psycopg

    tmp = Path(tempfile.mkdtemp(prefix="v4a-bench-"))
    os.environ["V4A_DATA_DIR"] = str(tmp)
    name = f"v4a_bench_console_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    reset_engine()
    try:
        yield name
    finally:
        reset_engine()
        shutil.rmtree(tmp, ignore_errors=True)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- seeding -----------------------------------------------------------------------------


def _when(rng: random.Random) -> str:
    return (START + timedelta(seconds=rng.randrange(SPAN_SECONDS))).isoformat()


def _copy(conn: Any, table: str, columns: str, rows: Iterator[str]) -> None:
    """COPY text rows (tab-separated, \\N for NULL) in chunks of a few MB."""
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for n, row in enumerate(rows, 1):
            buffer.write(row)
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def seed(counts: dict[str, int]) -> None:
    rng = random.Random(7)
    users, per_user_ledger = counts["users"], max(counts["ledger"] // counts["users"], 1)
    import psycopg

    # A connection of its own: closing one borrowed from the pool would hand the closed
    # connection to the first case.
    conn = psycopg.connect(os.environ["DATABASE_URL"])
    now = datetime.now(UTC).isoformat()

    def user_rows() -> Iterator[str]:
        for n in range(1, users + 1):
            role = "admin" if n <= 2 else "support" if n <= STAFF else "customer"
            name = f"{rng.choice(['Ana', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay'])} {n}"
            yield (
                f"{n}\tuser{n}@bench.example\t{name}\t0\tf\t{_when(rng)}\t{now}\t{role}\tf\t"
                f"{_when(rng)}\n"
            )

    _copy(
        conn,
        "users",
        "id, email, name, credits, is_subscriber, created_at, updated_at, role, disabled, "
        "last_login_at",
        user_rows(),
    )
    balances = [0] * (users + 1)

    def ledger_rows() -> Iterator[str]:
        entry = 0
        for user in range(1, users + 1):
            balance = 0
            for i in range(per_user_ledger):
                entry += 1
                delta = 50 if i == 0 else rng.choice([10, -4, -8, 10, -40, 5])
                if balance + delta < 0:
                    delta = 10
                balance += delta
                kind = "signup_bonus" if i == 0 else "video" if delta < 0 else "daily_bonus"
                actor = "\\N"
                if i and rng.random() < 0.02:
                    kind, actor = "staff_adjustment", str(rng.randint(3, STAFF))
                yield (
                    f"{entry}\t{user}\t{delta}\t{balance}\t{kind}\tuser:{user}\tk{entry}\t"
                    f"{actor}\t{_when(rng)}\n"
                )
            balances[user] = balance

    _copy(
        conn,
        "credit_ledger",
        "id, user_id, delta, balance_after, kind, reference, idempotency_key, actor_id, created_at",
        ledger_rows(),
    )

    def video_rows() -> Iterator[str]:
        for n in range(1, counts["videos"] + 1):
            status = rng.choice(STATUSES)
            provider, model = rng.choice(PROVIDERS)
            error = rng.choice(ERRORS) if status == "failed" else "\\N"
            created = _when(rng)
            done = created if status in ("completed", "failed", "canceled") else "\\N"
            yield (
                f"{n}\t{rng.randint(1, users)}\tA bench ad\t{status}\t{model}\t4\t40\t{created}\t"
                f"{done}\t{100 if status == 'completed' else 0}\t720x1280\t{provider}\t1\t"
                f"{error}\tf\n"
            )

    _copy(
        conn,
        "videos",
        "id, user_id, prompt, status, model, duration, credits_used, created_at, completed_at, "
        "progress, size, provider, attempts, error_code, charge_waived",
        video_rows(),
    )

    def audit_rows() -> Iterator[str]:
        for n in range(1, counts["audit"] + 1):
            target = rng.randint(STAFF + 1, users)
            created = (START + timedelta(seconds=n * SPAN_SECONDS // counts["audit"])).isoformat()
            yield (
                f"{n}\t{rng.randint(3, STAFF)}\t{rng.choice(ACTIONS)}\tuser\t{target}\t{target}\t"
                f'{{"credits": 10}}\t{{"credits": 15}}\tticket {n}\t198.51.100.{n % 250}\t'
                f"Mozilla/5.0 bench\t{created}\n"
            )

    _copy(
        conn,
        "audit_log",
        "id, actor_id, action, target_type, target_id, target_user_id, before, after, reason, "
        "ip, user_agent, created_at",
        audit_rows(),
    )
    with conn.cursor() as cur:
        # The cached balances follow the ledger, as everywhere in the portal.
        cur.execute(
            "UPDATE users u SET credits = l.balance_after FROM credit_ledger l "
            "WHERE l.user_id = u.id AND l.id = (SELECT max(id) FROM credit_ledger m "
            "WHERE m.user_id = u.id)"
        )
        for table in ("users", "credit_ledger", "videos", "audit_log"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")
    conn.close()


# --- measuring ---------------------------------------------------------------------------


END = ("<end of transaction>", None)


@dataclass
class Captured:
    statements: list[tuple[str, Any]]


@contextmanager
def capture() -> Iterator[Captured]:
    """The statements the app sends, and where its transactions end."""
    found = Captured([])

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        found.statements.append((statement, parameters))

    def end(_conn: Any) -> None:
        found.statements.append(END)

    engine = get_engine()
    hooks = [("before_cursor_execute", record), ("commit", end), ("rollback", end)]
    for name, hook in hooks:
        event.listen(engine, name, hook)
    try:
        yield found
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)


def bare(raw: Any, statements: list[tuple[str, Any]]) -> None:
    """The same statements and transactions on the raw driver connection, every row
    fetched."""
    with raw.cursor() as cur:
        for statement, parameters in statements:
            if (statement, parameters) == END:
                raw.commit()
                continue
            cur.execute(statement, parameters)
            if cur.description is not None:
                cur.fetchall()
    raw.commit()


@dataclass
class Case:
    name: str
    call: Callable[[random.Random], object]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


@dataclass
class Figures:
    statements: int
    service_ms: list[float]
    bare_ms: list[float]
    service_cpu_ms: list[float]  # this process's CPU: what the portal adds, whatever the load
    bare_cpu_ms: list[float]


def _timed(call: Callable[[], object], wall: list[float], cpu: list[float]) -> None:
    c, t = time.process_time(), time.perf_counter()
    call()
    wall.append((time.perf_counter() - t) * 1000)
    cpu.append((time.process_time() - c) * 1000)


def measure(case: Case, runs: int, raw: Any) -> Figures:
    found = Figures(0, [], [], [], [])
    for n in range(runs):
        with capture() as seen:
            case.call(random.Random(n))  # warm: the same arguments, then timed below
        found.statements = sum(1 for s in seen.statements if s != END)
        args = random.Random(n)
        sides = [
            (partial(case.call, args), found.service_ms, found.service_cpu_ms),
            (partial(bare, raw, seen.statements), found.bare_ms, found.bare_cpu_ms),
        ]
        for call, wall, cpu in sides if n % 2 else reversed(sides):
            _timed(call, wall, cpu)
    return found


def cases(counts: dict[str, int]) -> list[Case]:
    with session_scope() as session:
        admin = session.get(User, 1)
        support = session.get(User, 3)
        assert admin is not None and support is not None
        session.expunge_all()
    admin_ctx, support_ctx = StaffContext(admin), StaffContext(support)
    users, audits = counts["users"], counts["audit"]

    def users_search(rng: random.Random) -> object:
        with session_scope() as session:
            return accounts.list_users(session, query=f"user{rng.randint(1, users)}@")

    def users_first_page(rng: random.Random) -> object:
        with session_scope() as session:
            return accounts.list_users(session, page=rng.randint(1, 5))

    def audit_first(rng: random.Random) -> object:
        return audit_log.page(admin_ctx, audit_log.AuditFilters(), limit=50)

    def audit_deep(rng: random.Random) -> object:
        before = rng.randint(audits // 20, audits // 10)  # 90-95% of the way back
        return audit_log.page(admin_ctx, audit_log.AuditFilters(), before_id=before, limit=50)

    def audit_by_action_deep(rng: random.Random) -> object:
        filters = audit_log.AuditFilters(action=rng.choice(ACTIONS))
        return audit_log.page(admin_ctx, filters, before_id=audits // 10, limit=50)

    def audit_support_own(rng: random.Random) -> object:
        return audit_log.page(support_ctx, audit_log.AuditFilters(), limit=50)

    def audit_of_a_user(rng: random.Random) -> object:
        filters = audit_log.AuditFilters(target_user_id=rng.randint(STAFF + 1, users))
        return audit_log.page(support_ctx, filters, limit=50)

    found = [
        Case("users search (email contains)", users_search),
        Case("users list, first pages", users_first_page),
        Case("audit page 1", audit_first),
        Case("audit deep keyset page", audit_deep),
        Case("audit by action, deep page", audit_by_action_deep),
        Case("audit, support's own", audit_support_own),
        Case("audit of one user (support)", audit_of_a_user),
    ]
    found += console_read_cases(admin_ctx, users)
    return found


def console_read_cases(ctx: StaffContext, users: int) -> list[Case]:
    """The user detail and the clips filter, when their services exist."""
    try:
        from v4a_portal.services.console import user_detail, video_search
    except ImportError:
        return []

    def detail(rng: random.Random) -> object:
        user_id = rng.randint(STAFF + 1, users)
        return (
            user_detail.profile(ctx, user_id),
            user_detail.ledger(ctx, user_id),
            video_search.search(ctx, video_search.VideoFilters(user_id=user_id)),
        )

    def ledger_page(rng: random.Random) -> object:
        return user_detail.ledger(ctx, rng.randint(STAFF + 1, users), page=rng.randint(1, 2))

    def clips_failed(rng: random.Random) -> object:
        return video_search.search(ctx, video_search.VideoFilters(status="failed"))

    def clips_outage(rng: random.Random) -> object:
        since = START + timedelta(days=rng.randint(0, 290))
        filters = video_search.VideoFilters(
            status="failed",
            provider="veo",
            error_code=rng.choice(ERRORS),
            since=since,
            until=since + timedelta(days=3),
        )
        return video_search.search(ctx, filters)

    def clips_all(rng: random.Random) -> object:
        return video_search.search(ctx, video_search.VideoFilters(), page=rng.randint(1, 3))

    return [
        Case("user detail (profile, ledger, clips)", detail),
        Case("user ledger page", ledger_page),
        Case("clips: failed", clips_failed),
        Case("clips: provider+error+3 days", clips_outage),
        Case("clips: all, newest", clips_all),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    counts = {k: max(int(v * args.scale), 1000) for k, v in FULL.items()}
    with scratch_database() as name:
        schema_migrations.upgrade()
        t = time.perf_counter()
        seed(counts)
        print(f"database {name}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        print(f"seeded in {time.perf_counter() - t:.0f} s; {os.cpu_count()} CPUs, load "
              + ", ".join(f"{x:.1f}" for x in os.getloadavg()))  # fmt: skip
        raw = get_engine().raw_connection()
        try:
            print(
                f"\n{'case':38} {'stmts':>5} {'svc p50':>8} {'svc p95':>8} {'bare p50':>9} "
                f"{'bare p95':>9} {'ratio':>6}  {'aim':6} {'cpu svc':>8} {'cpu bare':>8}"
            )
            for case in cases(counts):
                f = measure(case, args.runs, raw.driver_connection)
                s95, b95 = p95(f.service_ms), p95(f.bare_ms)
                ratio = s95 / b95 if b95 else float("inf")
                ok = ratio <= 1.5 and s95 < 150
                print(
                    f"{case.name:38} {f.statements:5d} {statistics.median(f.service_ms):7.1f}ms "
                    f"{s95:7.1f}ms {statistics.median(f.bare_ms):8.1f}ms {b95:8.1f}ms "
                    f"{ratio:6.2f}  {'ok' if ok else 'MISSED':6} "
                    f"{statistics.median(f.service_cpu_ms):6.1f}ms "
                    f"{statistics.median(f.bare_cpu_ms):6.1f}ms"
                )
        finally:
            raw.close()
    print(
        "\naim: service p95 <= 1.5 x bare p95 and < 150 ms (times are in-process, warm). "
        "cpu: median CPU time of this process per call (Python, driver), which a loaded "
        "machine multiplies into wall time."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
