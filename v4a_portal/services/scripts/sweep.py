"""The orphan sweep over script debits: a paid script request that died between its debit
and storing the script (web process restarted, killed, deployed over) is refunded.

A script debit is settled by a script row carrying its key (`charge_key`) or by its refund
(key `refund:<debit key>`). One still unsettled after `V4A_SCRIPT_ORPHAN_MINUTES` is an
orphan; `writing.refund_unless_stored` refunds it under the debit's row lock, the lock
`writing._store` takes too, so a writer that finishes after all stores nothing and reports
the refund.

Run every minute by jobs/maintenance.py; callable directly (tests, an operator).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, literal, select
from sqlmodel import Session

from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, GeneratedScript, LedgerKind, utcnow
from v4a_portal.services import ledger_keys
from v4a_portal.services.scripts import writing
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)

# Bounds on each run, which comes every minute: debits older than the look-back are not
# considered (a sweep down for a week is an incident, not a case to scan the whole ledger
# for), and at most one batch is refunded per run (the next run takes the rest).
LOOKBACK = timedelta(days=7)
BATCH = 200


def sweep(now: datetime | None = None) -> int:
    """Refund every orphaned script debit; returns how many were refunded."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=get_settings().script_orphan_minutes)
    with session_scope() as session:
        orphans = _orphans(session, since=now - LOOKBACK, cutoff=cutoff)
    refunded = 0
    for key, user_id, created_at in orphans:
        entry = writing.refund_unless_stored(key, "orphaned")
        if entry is not None:  # else stored or refunded since the query
            refunded += 1
            log.warning(
                "script sweep: refunded orphaned debit %s of user %s (%s credits, from %s)",
                key,
                user_id,
                entry.delta,
                created_at.isoformat(),
            )
    return refunded


def _orphans(
    session: Session, *, since: datetime, cutoff: datetime
) -> list[tuple[str, int, datetime]]:
    """(key, user id, time) of unsettled script debits between `since` and `cutoff`."""
    ledger = CreditLedger.__table__.c
    stored = GeneratedScript.__table__.c
    # The ledger has no index on time, but its ids grow with it: walking the primary key
    # back from the newest row to the first one before `since` gives an id floor, and the
    # scan below covers only the look-back window. Both settled checks are unique-index
    # lookups.
    floor = session.execute(
        select(ledger.id).where(ledger.created_at < since).order_by(ledger.id.desc()).limit(1)
    ).scalar()
    refund = CreditLedger.__table__.alias("refund")
    refunded = exists().where(
        refund.c.idempotency_key == literal(ledger_keys.REFUND_PREFIX) + ledger.idempotency_key
    )
    stored_for_it = exists().where(stored.charge_key == ledger.idempotency_key)
    # Scripts stored before `charge_key` existed carry none: a debit followed by such a
    # script of the same user is taken as paid for, so upgrading refunds nothing delivered.
    stored_before_keys = exists().where(
        and_(
            stored.user_id == ledger.user_id,
            stored.charge_key.is_(None),
            stored.created_at >= ledger.created_at,
        )
    )
    rows = session.execute(
        select(ledger.idempotency_key, ledger.user_id, ledger.created_at)
        .where(
            ledger.id > (floor or 0),
            ledger.kind == LedgerKind.script.value,
            ledger.idempotency_key.startswith(ledger_keys.SCRIPT_DEBIT_PREFIX, autoescape=True),
            ledger.created_at >= since,
            ledger.created_at < cutoff,
            ~refunded,
            ~stored_for_it,
            ~stored_before_keys,
        )
        .order_by(ledger.id)
        .limit(BATCH)
    ).all()
    return [(str(key), int(user_id), created_at) for key, user_id, created_at in rows]
