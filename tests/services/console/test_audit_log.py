"""Reading the audit log: keyset pages and filters, who sees what, and the streamed CSV
(parsed with `csv`; 100k rows in flat memory)."""

from __future__ import annotations

import csv
import gc
import io
import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import insert

from tests.services.console.staff import ctx
from tests.support.factories import funded_user
from v4a_portal.db import session_scope
from v4a_portal.models import AuditLog, Role, utcnow
from v4a_portal.services.console import audit_log, staff_credits
from v4a_portal.services.console.audit_log import AuditFilters
from v4a_portal.services.errors import Forbidden


def test_pages_newest_first_by_keyset_with_filters(any_db: str) -> None:
    admin, support = ctx(Role.admin), ctx(Role.support)
    alice, bob = funded_user(0), funded_user(0)
    for i in range(5):
        staff_credits.adjust(support, alice, 1, "goodwill", f"a{i}", f"a{i}")
    for i in range(3):
        staff_credits.adjust(admin, bob, 2, "promotion", f"b{i}", f"b{i}")

    first = audit_log.page(admin, AuditFilters(), limit=3)
    assert [r.reason for r in first.rows] == ["b2", "b1", "b0"]
    second = audit_log.page(admin, AuditFilters(), before_id=first.next_before_id, limit=3)
    assert [r.reason for r in second.rows] == ["a4", "a3", "a2"]
    last = audit_log.page(admin, AuditFilters(), before_id=second.next_before_id, limit=3)
    assert [r.reason for r in last.rows] == ["a1", "a0"] and last.next_before_id is None

    row = first.rows[0]
    assert (row.actor_email, row.action, row.target_user_id, row.ip, row.user_agent) == (
        admin.actor.email,
        "credits.adjust",
        bob,
        "203.0.113.7",
        "pytest-console",
    )
    assert row.before == {"credits": 4} and row.after and row.after["credits"] == 6

    by_actor = audit_log.page(admin, AuditFilters(actor_id=support.actor.id), limit=50)
    assert len(by_actor.rows) == 5
    by_target = audit_log.page(admin, AuditFilters(target_user_id=bob), limit=50)
    assert len(by_target.rows) == 3
    assert audit_log.page(admin, AuditFilters(action="videos.refund")).rows == []
    now = utcnow()
    assert len(audit_log.page(admin, AuditFilters(since=now - timedelta(minutes=5))).rows) == 8
    assert audit_log.page(admin, AuditFilters(until=now - timedelta(minutes=5))).rows == []


def test_support_sees_its_own_actions_and_the_users_it_opens(any_db: str) -> None:
    admin, support, other = ctx(Role.admin), ctx(Role.support), ctx(Role.support)
    alice, bob = funded_user(0), funded_user(0)
    staff_credits.adjust(support, alice, 1, "goodwill", "mine", "k1")
    staff_credits.adjust(admin, bob, 1, "goodwill", "admin on bob", "k2")
    staff_credits.adjust(other, alice, 1, "goodwill", "colleague on alice", "k3")

    own = audit_log.page(support, AuditFilters())
    assert [r.reason for r in own.rows] == ["mine"]
    # Asking for another actor still shows only its own rows.
    assert audit_log.page(support, AuditFilters(actor_id=admin.actor.id)).rows == []
    opened = audit_log.page(support, AuditFilters(target_user_id=bob))
    assert [r.reason for r in opened.rows] == ["admin on bob"]
    assert {r.reason for r in audit_log.page(support, AuditFilters(target_user_id=alice)).rows} == {
        "mine",
        "colleague on alice",
    }
    assert len(audit_log.page(admin, AuditFilters()).rows) == 3
    for role in (Role.customer, Role.analyst):
        with pytest.raises(Forbidden):
            audit_log.page(ctx(role), AuditFilters())
        with pytest.raises(Forbidden):
            next(audit_log.csv_rows(ctx(role), AuditFilters()))


def test_csv_parses_with_the_csv_module(any_db: str) -> None:
    admin = ctx(Role.admin)
    customer = funded_user(0)
    staff_credits.adjust(admin, customer, 3, "other", 'quotes " and, commas\nand lines', "k")
    text = "".join(audit_log.csv_rows(admin, AuditFilters()))
    header, row = list(csv.reader(io.StringIO(text)))
    assert tuple(header) == audit_log.CSV_COLUMNS
    record = dict(zip(header, row, strict=True))
    assert record["reason"] == 'quotes " and, commas\nand lines'
    assert record["actor_email"] == admin.actor.email and record["action"] == "credits.adjust"
    assert json.loads(record["after"])["credits"] == 3


ROWS = 100_000


def _seed_audit(actor_id: int | None, count: int) -> None:
    now = utcnow()
    rows = [
        {
            "actor_id": actor_id,
            "action": "credits.adjust",
            "target_type": "user",
            "target_id": str(i),
            "before": '{"credits": 0}',
            "after": '{"credits": 5, "category": "goodwill"}',
            "reason": f"seeded row {i}: " + "a longer reason, as support writes them. " * 7,
            "ip": "198.51.100.1",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) seeded",
            "created_at": now,
        }
        for i in range(count)
    ]
    with session_scope() as session:
        for start in range(0, count, 10_000):
            session.execute(insert(AuditLog), rows[start : start + 10_000])


def _rss() -> int:
    """The process's resident memory now, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_a_100k_row_export_keeps_memory_flat(sqlite_db: str) -> None:
    admin = ctx(Role.admin)
    _seed_audit(admin.actor.id, ROWS)
    gc.collect()
    count = size = 0
    rss_early = 0
    for line in audit_log.csv_rows(admin, AuditFilters()):
        count += 1
        size += len(line)
        if count == 2 * audit_log.CSV_BATCH:
            rss_early = _rss()
    growth = _rss() - rss_early
    assert count == ROWS + 1
    # The export is ~45 MB of text; holding it would grow the process by more than that.
    # Streamed, memory stays what two batches took, whatever the row count.
    assert size > 40_000_000
    assert growth < 12_000_000, f"grew {growth / 1e6:.1f} MB while streaming"
