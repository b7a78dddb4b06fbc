"""The credit ledger: the one way any balance changes.

`post` changes the cached balance with one conditional UPDATE (no read-modify-write,
so no lost updates) and appends the ledger row in the caller's transaction. The
unique idempotency key makes a replay fail at INSERT; `apply` turns that into
"return the first result".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, LedgerKind, User, utcnow
from v4a_portal.services.errors import InsufficientCredits, InvalidInput, NotFound


class DuplicateKey(Exception):
    """The idempotency key was already used; the transaction has been rolled back."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Entry:
    id: int
    user_id: int
    delta: int
    balance_after: int
    kind: str
    reference: str | None
    idempotency_key: str
    replayed: bool = False


def _entry(row: CreditLedger, replayed: bool = False) -> Entry:
    assert row.id is not None
    return Entry(
        row.id,
        row.user_id,
        row.delta,
        row.balance_after,
        row.kind,
        row.reference,
        row.idempotency_key,
        replayed,
    )


def post(
    session: Session,
    *,
    user_id: int,
    delta: int,
    kind: LedgerKind | str,
    key: str,
    reference: str | None = None,
    actor_id: int | None = None,
    note: str | None = None,
) -> Entry:
    """Change the balance and write the ledger row in `session`'s transaction.

    Raises InsufficientCredits (balance unchanged) or DuplicateKey (after rolling
    the session back, so whatever the caller did in this transaction is undone too).
    """
    if delta == 0:
        raise InvalidInput("A credit change must not be zero.")
    if not key or len(key) > 200:
        raise InvalidInput("An idempotency key of 1-200 characters is required.")
    kind = LedgerKind(kind).value
    balance = session.execute(
        update(User)
        .where(User.id == user_id, User.credits + delta >= 0)
        .values(credits=User.credits + delta, updated_at=utcnow())
        .returning(User.credits)
    ).scalar_one_or_none()
    if balance is None:
        current = session.execute(select(User.credits).where(User.id == user_id)).scalar()
        if current is None:
            raise NotFound("No such user.")
        raise InsufficientCredits(needed=-delta, balance=current)
    row = CreditLedger(
        user_id=user_id,
        delta=delta,
        balance_after=balance,
        kind=kind,
        reference=reference,
        idempotency_key=key,
        actor_id=actor_id,
        note=note,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        if find(session, key) is None:
            raise
        raise DuplicateKey(key) from exc
    return _entry(row)


def find(session: Session, key: str) -> CreditLedger | None:
    return session.execute(
        select(CreditLedger).where(CreditLedger.idempotency_key == key)
    ).scalar_one_or_none()


def apply(
    *,
    user_id: int,
    delta: int,
    kind: LedgerKind | str,
    key: str,
    reference: str | None = None,
    actor_id: int | None = None,
    note: str | None = None,
) -> Entry:
    """`post` in a transaction of its own; a replayed key returns the first entry."""
    try:
        with session_scope() as session:
            return post(
                session,
                user_id=user_id,
                delta=delta,
                kind=kind,
                key=key,
                reference=reference,
                actor_id=actor_id,
                note=note,
            )
    except DuplicateKey:
        with session_scope() as session:
            first = find(session, key)
            assert first is not None
            return _entry(first, replayed=True)


def balance(session: Session, user_id: int) -> int:
    value = session.execute(select(User.credits).where(User.id == user_id)).scalar()
    if value is None:
        raise NotFound("No such user.")
    return int(value)


def history(
    session: Session, user_id: int, *, page: int = 1, per_page: int = 20
) -> tuple[list[CreditLedger], int]:
    """Entries newest first, and the total count."""
    total = session.execute(
        select(func.count()).select_from(CreditLedger).where(CreditLedger.user_id == user_id)
    ).scalar_one()
    rows = (
        session.execute(
            select(CreditLedger)
            .where(CreditLedger.user_id == user_id)
            .order_by(CreditLedger.id.desc())
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        )
        .scalars()
        .all()
    )
    return list(rows), int(total)


@dataclass(frozen=True)
class Mismatch:
    user_id: int
    problem: str


def reconcile(session: Session) -> list[Mismatch]:
    """Check the invariants of the design: cached balance == sum of the ledger,
    never negative, each row's balance_after follows from the previous one, and no
    failed/canceled video is refunded more than once."""
    problems: list[Mismatch] = []
    sums = session.execute(
        text(
            "SELECT u.id, u.credits, COALESCE(SUM(l.delta), 0) FROM users u "
            "LEFT JOIN credit_ledger l ON l.user_id = u.id GROUP BY u.id, u.credits"
        )
    ).all()
    for user_id, credits, total in sums:
        if credits != total:
            problems.append(Mismatch(user_id, f"credits {credits} != ledger sum {total}"))
        if credits < 0:
            problems.append(Mismatch(user_id, f"negative balance {credits}"))
    chain = session.execute(
        text(
            "SELECT user_id, id, balance_after, SUM(delta) OVER "
            "(PARTITION BY user_id ORDER BY id) FROM credit_ledger"
        )
    ).all()
    for user_id, entry_id, after, running in chain:
        if after != running:
            problems.append(
                Mismatch(user_id, f"entry {entry_id}: balance_after {after} != running {running}")
            )
        if after < 0:
            problems.append(Mismatch(user_id, f"entry {entry_id}: negative balance_after"))
    refunds = session.execute(
        text(
            "SELECT user_id, reference, COUNT(*) FROM credit_ledger WHERE kind = 'refund' "
            "AND reference LIKE 'video:%' GROUP BY user_id, reference HAVING COUNT(*) > 1"
        )
    ).all()
    for user_id, reference, count in refunds:
        problems.append(Mismatch(user_id, f"{reference} refunded {count} times"))
    return problems
