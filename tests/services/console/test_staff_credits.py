"""Staff credit adjustments: the ledger row, the audit row, the limits and the key, alone and
under parallel requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from tests.api.conftest import settings_env
from tests.services.console.staff import audit_rows, balance, ctx, reconciled
from tests.support.factories import funded_user
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, LedgerKind, Role
from v4a_portal.services.console import staff_credits
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.errors import Conflict, Forbidden, InvalidInput, NotFound

PARALLEL = 20


def _entries(user_id: int) -> list[CreditLedger]:
    with session_scope() as session:
        return list(
            session.execute(
                select(CreditLedger).where(
                    CreditLedger.user_id == user_id,
                    CreditLedger.kind == LedgerKind.staff_adjustment.value,
                )
            ).scalars()
        )


def test_an_adjustment_writes_one_ledger_row_and_one_audit_row(any_db: str) -> None:
    support = ctx(Role.support)
    customer = funded_user(30)
    assert staff_credits.preview(support, customer, -10) == (30, 20)

    done = staff_credits.adjust(support, customer, 25, "goodwill", " late clip ", "k1")

    assert (done.balance_before, done.balance_after, done.replayed) == (30, 55, False)
    [entry] = _entries(customer)
    assert (entry.delta, entry.actor_id, entry.id) == (25, support.actor.id, done.entry_id)
    assert entry.note == "goodwill: late clip"
    [row] = audit_rows()
    assert (row.action, row.actor_id, row.target_type, row.target_id) == (
        "credits.adjust",
        support.actor.id,
        "user",
        str(customer),
    )
    assert row.target_user_id == customer
    assert json.loads(row.before or "") == {"credits": 30}
    assert json.loads(row.after or "")["credits"] == 55
    assert (row.reason, row.ip, row.user_agent) == ("late clip", "203.0.113.7", "pytest-console")
    assert reconciled() == []


def test_the_same_key_is_one_adjustment(any_db: str) -> None:
    admin, customer = ctx(Role.admin), funded_user(0)
    first = staff_credits.adjust(admin, customer, 7, "promotion", "launch", "same")
    again = staff_credits.adjust(admin, customer, 7, "promotion", "launch", "same")
    assert again == staff_credits.Adjusted(first.entry_id, 0, 7, replayed=True)
    assert balance(customer) == 7 and len(audit_rows()) == 1
    with pytest.raises(Conflict) as reused:
        staff_credits.adjust(admin, customer, 9, "promotion", "launch", "same")
    assert reused.value.code == "key_reused"


@pytest.mark.parametrize(
    ("delta", "category", "reason", "error"),
    [
        (0, "goodwill", "why", InvalidInput),
        (5, "bribe", "why", InvalidInput),
        (5, "goodwill", "   ", InvalidInput),
        (-31, "correction", "too much", Conflict),
    ],
)
def test_refusals_write_nothing(
    any_db: str, delta: int, category: str, reason: str, error: type[Exception]
) -> None:
    customer = funded_user(30)
    with pytest.raises(error) as refused:
        staff_credits.adjust(ctx(Role.admin), customer, delta, category, reason, "k")
    if error is Conflict:
        assert refused.value.code == "below_zero"  # type: ignore[attr-defined]
        assert "below zero" in str(refused.value)
    assert balance(customer) == 30 and _entries(customer) == [] and audit_rows() == []


def test_no_such_user_and_roles_without_the_permission(any_db: str) -> None:
    with pytest.raises(NotFound):
        staff_credits.adjust(ctx(Role.admin), 999_999, 5, "other", "x", "k")
    customer = funded_user(0)
    for role in (Role.customer, Role.analyst):
        with pytest.raises(Forbidden):
            staff_credits.adjust(ctx(role), customer, 5, "other", "x", "k")
        with pytest.raises(Forbidden):
            staff_credits.preview(ctx(role), customer, 5)
    assert balance(customer) == 0 and audit_rows() == []


def test_support_limits_and_admin_has_none(any_db: str) -> None:
    support, customer = ctx(Role.support), funded_user(0)
    with settings_env(V4A_SUPPORT_ADJUST_LIMIT="50", V4A_SUPPORT_DAILY_LIMIT="120"):
        with pytest.raises(InvalidInput) as over:
            staff_credits.adjust(support, customer, 51, "goodwill", "x", "a")
        assert over.value.code == "over_limit"
        staff_credits.adjust(support, customer, 50, "goodwill", "x", "b")
        staff_credits.adjust(support, customer, -50, "correction", "x", "c")  # |delta| counts
        with pytest.raises(InvalidInput, match="20 left today"):
            staff_credits.adjust(support, customer, 21, "goodwill", "x", "d")
        staff_credits.adjust(support, customer, 20, "goodwill", "x", "e")
        assert staff_credits.limits(support).left_today == 0
        staff_credits.adjust(ctx(Role.admin), customer, 5000, "compensation", "x", "f")
        assert staff_credits.limits(ctx(Role.admin)).daily is None
    assert balance(customer) == 5020 and len(audit_rows()) == 4
    assert reconciled() == []


def _parallel(calls: list[tuple[StaffContext, int, str]], user_id: int) -> list[object]:
    def one(call: tuple[StaffContext, int, str]) -> object:
        who, delta, key = call
        try:
            return staff_credits.adjust(who, user_id, delta, "goodwill", "parallel", key)
        except InvalidInput as exc:
            return exc

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(one, calls))


def test_parallel_adjustments_with_one_key_change_the_balance_once(any_db: str) -> None:
    support, customer = ctx(Role.support), funded_user(10)
    results = _parallel([(support, 5, "one-key")] * PARALLEL, customer)
    adjusted = [r for r in results if isinstance(r, staff_credits.Adjusted)]
    assert len(adjusted) == PARALLEL
    assert sum(not r.replayed for r in adjusted) == 1
    assert {r.entry_id for r in adjusted} == {adjusted[0].entry_id}
    assert balance(customer) == 15 and len(_entries(customer)) == 1
    assert len(audit_rows()) == 1 and reconciled() == []


def test_parallel_adjustments_with_their_own_keys_all_apply(any_db: str) -> None:
    customer = funded_user(0)
    # Two staff members at once: the per-actor lock must not serialize across actors wrongly.
    admins = [ctx(Role.admin), ctx(Role.admin)]
    calls = [(admins[i % 2], i + 1, f"key-{i}") for i in range(PARALLEL)]
    results = _parallel(calls, customer)
    assert all(isinstance(r, staff_credits.Adjusted) and not r.replayed for r in results)
    assert balance(customer) == sum(range(1, PARALLEL + 1))
    assert len(_entries(customer)) == PARALLEL == len(audit_rows())
    assert reconciled() == []


def test_limits_hold_under_parallel_requests_from_one_support_user(any_db: str) -> None:
    support, customer = ctx(Role.support), funded_user(0)
    with settings_env(V4A_SUPPORT_ADJUST_LIMIT="500", V4A_SUPPORT_DAILY_LIMIT="2000"):
        # 20 x 300 = 6000 asked for: 6 fit in the day's 2000.
        results = _parallel([(support, 300, f"k{i}") for i in range(PARALLEL)], customer)
    applied = [r for r in results if isinstance(r, staff_credits.Adjusted)]
    refused = [r for r in results if isinstance(r, InvalidInput)]
    assert len(applied) == 6 and len(refused) == PARALLEL - 6
    assert all(r.code == "over_limit" for r in refused)
    assert balance(customer) == 1800 and len(audit_rows()) == 6
    assert reconciled() == []
