"""The credit ledger: the one way any balance changes.

`post` changes the cached balance with one conditional UPDATE (no read-modify-write,
so no lost updates) and appends the ledger row in the caller's transaction. The
unique idempotency key makes a replay fail at INSERT; `apply` turns that into
"return the first result".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import Connection, bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from v4a_portal.db import get_engine, session_scope
from v4a_portal.models import CreditLedger, LedgerKind, User, utcnow
from v4a_portal.services.errors import InsufficientCredits, InvalidInput, NotFound

# Core statements on the tables, built once: building, cache-keying and running ORM
# statements cost several times the CPU of the round trips themselves (bench/ledger.py).
_users = User.__table__
_entries = CreditLedger.__table__
_COLUMNS = ("user_id", "delta", "kind", "reference", "idempotency_key", "actor_id", "note")
_CHARGE = (
    update(_users)
    .where(_users.c.id == bindparam("user_id"), _users.c.credits + bindparam("delta") >= 0)
    .values(
        credits=_users.c.credits + bindparam("delta"),
        updated_at=bindparam("now", type_=_users.c.updated_at.type),
    )
    .returning(_users.c.credits)
)
_RECORD = insert(_entries).returning(_entries.c.id)
_KEY_USED = select(_entries.c.id).where(_entries.c.idempotency_key == bindparam("key"))
# PostgreSQL runs both as one statement (one round trip): the UPDATE feeds the INSERT,
# which writes nothing when the UPDATE matched no row.
_charged = _CHARGE.cte("charged")
_CHARGE_AND_RECORD = (
    insert(_entries)
    .from_select(
        [*_COLUMNS, "balance_after", "created_at"],
        select(
            *(bindparam(c, type_=_entries.c[c].type) for c in _COLUMNS),
            _charged.c.credits,
            bindparam("now", type_=_entries.c.created_at.type),
        ),
    )
    .returning(_entries.c.id, _entries.c.balance_after)
)


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
    the session back, so whatever the caller did in this transaction is undone too),
    also when the key's first use already spent the credits a retry would need.
    """
    values = _values(user_id, delta, kind, key, reference, actor_id, note)
    # Flush first, as an ORM statement would, so the caller's pending rows come first.
    session.flush()
    try:
        entry = _charge_and_record(session.connection(), values)
    except (IntegrityError, DuplicateKey) as exc:
        session.rollback()
        if isinstance(exc, IntegrityError) and find(session, key) is None:
            raise
        raise DuplicateKey(key) from exc
    cached = session.identity_map.get(session.identity_key(User, user_id))
    if cached is not None:
        # Keep a User the caller holds in this session in step with the new balance.
        set_committed_value(cached, "credits", entry.balance_after)
    return entry


def _values(
    user_id: int,
    delta: int,
    kind: LedgerKind | str,
    key: str,
    reference: str | None,
    actor_id: int | None,
    note: str | None,
) -> dict[str, Any]:
    """The statements' parameters, checked."""
    if delta == 0:
        raise InvalidInput("A credit change must not be zero.")
    if not key or len(key) > 200:
        raise InvalidInput("An idempotency key of 1-200 characters is required.")
    try:
        kind = LedgerKind(kind).value
    except ValueError as exc:
        raise InvalidInput(f"Unknown ledger kind {kind!r}.") from exc
    return {
        "user_id": user_id,
        "delta": delta,
        "kind": kind,
        "reference": reference,
        "idempotency_key": key,
        "actor_id": actor_id,
        "note": note,
        "now": utcnow(),
    }


def _charge_and_record(conn: Connection, values: dict[str, Any]) -> Entry:
    """The conditional UPDATE and the INSERT on `conn`, in its transaction. Raises
    InsufficientCredits or NotFound (nothing written), DuplicateKey when the key was used
    and its first use spent the credits a retry would need, IntegrityError when the key
    was used (the caller rolls back)."""
    row: Any  # PostgreSQL's RETURNING row; elsewhere the INSERT's parameters
    if conn.dialect.name == "postgresql":
        row = conn.execute(_CHARGE_AND_RECORD, values).one_or_none()
        written = None if row is None else (row[0], row[1])
    else:
        # Only the UPDATE's own parameters: extra keys named like columns would be SET.
        charge = {k: values[k] for k in ("user_id", "delta", "now")}
        balance = conn.execute(_CHARGE, charge).scalar_one_or_none()
        written = None
        if balance is not None:
            row = {c: values[c] for c in _COLUMNS}
            row.update(balance_after=balance, created_at=values["now"])
            written = conn.execute(_RECORD, row).scalar_one(), balance
    if written is None:
        _refuse(conn, values)
    entry_id, balance = written
    return Entry(
        entry_id,
        values["user_id"],
        values["delta"],
        balance,
        values["kind"],
        values["reference"],
        values["idempotency_key"],
    )


def _refuse(conn: Connection, values: dict[str, Any]) -> NoReturn:
    """Why the UPDATE matched no row: no such user, a replay, or not enough credits."""
    user_id, key = values["user_id"], values["idempotency_key"]
    current = conn.execute(select(_users.c.credits).where(_users.c.id == user_id)).scalar()
    if current is None:
        raise NotFound("No such user.")
    if conn.execute(_KEY_USED, {"key": key}).first() is not None:
        # A retry of a debit that already went through: a replay, not a refusal.
        raise DuplicateKey(key)
    raise InsufficientCredits(needed=-values["delta"], balance=current)


def find(session: Session, key: str) -> CreditLedger | None:
    return session.execute(
        select(CreditLedger).where(col(CreditLedger.idempotency_key) == key)
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
    """`post` in a transaction of its own; a replayed key returns the first entry.

    It runs on a bare connection rather than a Session: nothing ORM is involved, and the
    session's set-up and teardown would cost more than the statement (bench/ledger.py).
    """
    values = _values(user_id, delta, kind, key, reference, actor_id, note)
    try:
        with get_engine().begin() as conn:
            return _charge_and_record(conn, values)
    except (IntegrityError, DuplicateKey):
        with session_scope() as session:
            first = find(session, key)
            if first is None:
                raise
            return _entry(first, replayed=True)


def balance(session: Session, user_id: int) -> int:
    value = session.execute(select(col(User.credits)).where(col(User.id) == user_id)).scalar()
    if value is None:
        raise NotFound("No such user.")
    return int(value)


def history(
    session: Session, user_id: int, *, page: int = 1, per_page: int = 20
) -> tuple[list[CreditLedger], int]:
    """Entries newest first, and the total count."""
    total = session.execute(
        select(func.count()).select_from(CreditLedger).where(col(CreditLedger.user_id) == user_id)
    ).scalar_one()
    rows = (
        session.execute(
            select(CreditLedger)
            .where(col(CreditLedger.user_id) == user_id)
            .order_by(col(CreditLedger.id).desc())
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
