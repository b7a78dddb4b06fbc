"""The credit ledger on SQLite and PostgreSQL: posting, refusals, replays, history, reconcile."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from tests.support.factories import funded_user, run_cli
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, LedgerKind, UploadedImage, User
from v4a_portal.services import ledger
from v4a_portal.services.errors import InsufficientCredits, InvalidInput, NotFound


def _rows(session: Session, user_id: int) -> list[CreditLedger]:
    query = select(CreditLedger).where(CreditLedger.user_id == user_id).order_by(CreditLedger.id)
    return list(session.execute(query).scalars())


def _state(user_id: int) -> tuple[int, list[tuple[int, int, str]]]:
    with session_scope() as session:
        rows = _rows(session, user_id)
        return ledger.balance(session, user_id), [
            (r.delta, r.balance_after, r.idempotency_key) for r in rows
        ]


def test_credit_and_debit_record_everything(any_db: str) -> None:
    staff = funded_user()
    user = funded_user()
    credit = ledger.apply(
        user_id=user,
        delta=120,
        kind=LedgerKind.staff_adjustment,
        key="adj-1",
        reference="ticket:42",
        actor_id=staff,
        note="goodwill",
    )
    debit = ledger.apply(user_id=user, delta=-45, kind="script", key="s-1", reference="script:7")
    assert (credit.delta, credit.balance_after, credit.replayed) == (120, 120, False)
    assert (debit.delta, debit.balance_after, debit.kind) == (-45, 75, "script")
    with session_scope() as session:
        assert ledger.balance(session, user) == 75
        first, second = _rows(session, user)
        assert (first.kind, first.reference, first.actor_id, first.note) == (
            "staff_adjustment",
            "ticket:42",
            staff,
            "goodwill",
        )
        assert (second.id, second.reference, second.actor_id) == (debit.id, "script:7", None)
        assert first.created_at is not None and second.id > first.id


def test_debit_below_zero_is_refused_and_changes_nothing(any_db: str) -> None:
    user = funded_user(30)
    before = _state(user)
    with pytest.raises(InsufficientCredits) as refused:
        ledger.apply(user_id=user, delta=-31, kind="video", key="v-1")
    assert (refused.value.needed, refused.value.balance) == (31, 30)
    assert _state(user) == before
    # The refused key was not consumed: the same request succeeds once affordable.
    ledger.apply(user_id=user, delta=5, kind="purchase", key="top-up")
    assert ledger.apply(user_id=user, delta=-31, kind="video", key="v-1").balance_after == 4


def test_repeated_key_changes_nothing_and_returns_first_entry(any_db: str) -> None:
    user = funded_user(100)
    first = ledger.apply(user_id=user, delta=-60, kind="video", key="req-1")
    after_first = _state(user)
    # Same key again, as the same request or with other values: the first entry answers.
    for delta in (-60, +500, -90):
        again = ledger.apply(user_id=user, delta=delta, kind="video", key="req-1")
        assert again.replayed
        assert (again.id, again.delta, again.balance_after) == (first.id, -60, 40)
    assert _state(user) == after_first


def test_replay_inside_caller_transaction_undoes_callers_work(any_db: str) -> None:
    user = funded_user(100)
    ledger.apply(user_id=user, delta=-10, kind="script", key="once")
    with pytest.raises(ledger.DuplicateKey), session_scope() as session:
        session.add(UploadedImage(user_id=user, file_path="x", storage_url="/x"))
        ledger.post(session, user_id=user, delta=-10, kind="script", key="once")
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(UploadedImage)).scalar() == 0
        assert ledger.balance(session, user) == 90


def test_post_rolls_back_with_the_callers_transaction(any_db: str) -> None:
    user = funded_user(100)
    before = _state(user)
    with pytest.raises(RuntimeError), session_scope() as session:
        held = session.get(User, user)
        session.add(UploadedImage(user_id=user, file_path="x", storage_url="/x"))
        entry = ledger.post(session, user_id=user, delta=-25, kind="video", key="job-1")
        assert entry.balance_after == 75  # visible inside the transaction...
        assert held is not None and held.credits == 75  # ...also on a User already loaded
        raise RuntimeError("the provider call failed")
    assert _state(user) == before  # ...and gone with it
    with session_scope() as session:
        assert ledger.find(session, "job-1") is None
        assert session.execute(select(func.count()).select_from(UploadedImage)).scalar() == 0


@pytest.mark.parametrize(
    ("delta", "key"),
    [(0, "k"), (5, ""), (-5, ""), (5, "k" * 201)],
    ids=["zero", "no-key", "no-key-debit", "long-key"],
)
def test_invalid_input(sqlite_db: str, delta: int, key: str) -> None:
    user = funded_user(10)
    with pytest.raises(InvalidInput):
        ledger.apply(user_id=user, delta=delta, kind="purchase", key=key)
    assert _state(user)[0] == 10


def test_unknown_user(any_db: str) -> None:
    for delta in (10, -10):
        with pytest.raises(NotFound):
            ledger.apply(user_id=987654, delta=delta, kind="purchase", key=f"ghost{delta}")
    with session_scope() as session:
        assert ledger.find(session, "ghost10") is None
        with pytest.raises(NotFound):
            ledger.balance(session, 987654)


def test_history_is_paginated_newest_first(any_db: str) -> None:
    user = funded_user()
    funded_user(7)  # another user's entries must not show up
    for n in range(23):
        ledger.apply(user_id=user, delta=n + 1, kind="purchase", key=f"h-{n}")
    with session_scope() as session:
        pages = [ledger.history(session, user, page=p, per_page=10) for p in (1, 2, 3, 4)]
    assert [total for _, total in pages] == [23] * 4
    assert [len(rows) for rows, _ in pages] == [10, 10, 3, 0]
    keys = [r.idempotency_key for rows, _ in pages for r in rows]
    assert keys == [f"h-{n}" for n in reversed(range(23))]
    assert all(r.user_id == user for rows, _ in pages for r in rows)


def test_reconcile_clean_then_each_kind_of_corruption(any_db: str) -> None:
    users = [funded_user(100) for _ in range(4)]
    for u in users:
        ledger.apply(
            user_id=u, delta=-40, kind="video", key=f"video-debit:{u}", reference="video:1"
        )
        ledger.apply(user_id=u, delta=15, kind="daily_bonus", key=f"daily:{u}")
    with session_scope() as session:
        assert ledger.reconcile(session) == []

    drifted, rechained, refunded, clean = users
    with session_scope() as session:
        # A balance changed behind the ledger's back.
        session.execute(
            text("UPDATE users SET credits = credits + 7 WHERE id = :u"), {"u": drifted}
        )
        # A middle entry's balance_after edited: the chain breaks, the sum does not.
        middle = _rows(session, rechained)[1].id
        session.execute(
            text("UPDATE credit_ledger SET balance_after = balance_after + 1 WHERE id = :i"),
            {"i": middle},
        )
    # A video refunded twice under different keys: sums agree, invariant 3 does not.
    for attempt in (1, 2):
        ledger.apply(
            user_id=refunded, delta=40, kind="refund", key=f"r{attempt}", reference="video:9"
        )

    with session_scope() as session:
        problems = ledger.reconcile(session)
    by_user = {u: [p.problem for p in problems if p.user_id == u] for u in users}
    assert len(problems) == 3
    assert by_user[clean] == []
    assert "credits 82 != ledger sum 75" in by_user[drifted][0]
    assert f"entry {middle}" in by_user[rechained][0]
    assert "balance_after" in by_user[rechained][0]
    assert by_user[refunded] == ["video:9 refunded 2 times"]


def test_reconcile_command(any_db: str) -> None:
    user = funded_user(100)
    ledger.apply(user_id=user, delta=-30, kind="script", key="s")
    clean = run_cli("credits", "reconcile")
    assert clean.returncode == 0, clean.stderr
    assert "reconciles" in clean.stdout

    with session_scope() as session:
        session.execute(text("UPDATE users SET credits = 3 WHERE id = :u"), {"u": user})
    broken = run_cli("credits", "reconcile")
    assert broken.returncode != 0
    assert f"user {user}: credits 3 != ledger sum 70" in broken.stderr
