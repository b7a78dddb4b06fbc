"""Staff credit adjustments: one `staff_adjustment` ledger row and one audit row, within the
support limits, once per idempotency key.

The limits are race-safe: each adjustment first locks the acting staff member's own user
row (PostgreSQL `FOR UPDATE`; SQLite's writers are serialized by BEGIN IMMEDIATE), so the
day's sum it checks cannot change before it commits. The day is the UTC calendar day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, LedgerKind, Role, User, utcnow
from v4a_portal.services import audit, ledger, ledger_keys, permissions
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.errors import Conflict, InsufficientCredits, InvalidInput
from v4a_portal.settings import get_settings

CATEGORIES = ("goodwill", "compensation", "correction", "promotion", "other")
MAX_REASON = 500
MAX_KEY = 100


@dataclass(frozen=True)
class Adjusted:
    entry_id: int
    balance_before: int
    balance_after: int
    replayed: bool = False  # the key was used before: this is the first adjustment's result


@dataclass(frozen=True)
class Limits:
    """What the acting staff member may still adjust; None where there is no limit."""

    per_action: int | None
    daily: int | None
    used_today: int

    @property
    def left_today(self) -> int | None:
        return None if self.daily is None else max(self.daily - self.used_today, 0)


def new_key() -> str:
    """An idempotency key for one adjustment: made when the dialog opens."""
    return uuid.uuid4().hex


def check_reason(reason: str) -> str:
    """The stripped reason every staff action requires."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("A reason is required.", code="reason_required")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"The reason must be at most {MAX_REASON} characters.")
    return reason


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not 1 <= len(key) <= MAX_KEY:
        raise InvalidInput(f"An idempotency key of 1-{MAX_KEY} characters is required.")
    return key


def preview(ctx: StaffContext, user_id: int, delta: int) -> tuple[int, int]:
    """The balance before and after `delta`, for the confirmation; writes nothing. An
    `after` below zero is what `adjust` refuses."""
    permissions.require(ctx.actor, "credits.adjust")
    with session_scope() as session:
        before = ledger.balance(session, user_id)
    return before, before + delta


def limits(ctx: StaffContext) -> Limits:
    """The acting staff member's limits and today's use, for the dialog."""
    actor = permissions.require(ctx.actor, "credits.adjust")
    assert actor.id is not None
    with session_scope() as session:
        used = _used_today(session, actor.id)
    if actor.role == Role.admin.value:
        return Limits(None, None, used)
    settings = get_settings()
    return Limits(settings.support_adjust_limit, settings.support_daily_limit, used)


def adjust(
    ctx: StaffContext, user_id: int, delta: int, category: str, reason: str, key: str
) -> Adjusted:
    """Add (or take, when negative) `delta` credits to the user's balance.

    Raises Forbidden, InvalidInput (zero, unknown category, no reason, over a support
    limit: code `over_limit`), NotFound (no such user), Conflict `below_zero` (a debit
    larger than the balance) or Conflict `key_reused` (the key adjusted another amount).
    The same key again returns the first adjustment with `replayed=True`.
    """
    actor = permissions.require(ctx.actor, "credits.adjust")
    assert actor.id is not None
    if delta == 0:
        raise InvalidInput("The amount must not be zero.")
    if category not in CATEGORIES:
        raise InvalidInput(f"Choose a category: {', '.join(CATEGORIES)}.")
    reason = check_reason(reason)
    entry_key = ledger_keys.staff_adjustment(user_id, check_key(key))
    try:
        with session_scope() as session:
            _lock_actor(session, actor.id)
            first = ledger.find(session, entry_key)
            if first is not None:
                return _replayed(first, delta)
            if actor.role != Role.admin.value:
                _check_limits(session, actor.id, delta)
            try:
                entry = ledger.post(
                    session,
                    user_id=user_id,
                    delta=delta,
                    kind=LedgerKind.staff_adjustment,
                    key=entry_key,
                    reference=f"user:{user_id}",
                    actor_id=actor.id,
                    note=f"{category}: {reason}"[:MAX_REASON],
                )
            except InsufficientCredits as short:
                raise Conflict(
                    f"This would take the balance below zero: it is {short.balance} credits, "
                    f"the debit is {short.needed}.",
                    code="below_zero",
                ) from short
            before = entry.balance_after - delta
            audit.record(
                session,
                actor=actor,
                action="credits.adjust",
                target_type="user",
                target_id=user_id,
                before={"credits": before},
                after={
                    "credits": entry.balance_after,
                    "delta": delta,
                    "category": category,
                    "entry_id": entry.id,
                },
                reason=reason,
                ip=ctx.ip,
                user_agent=ctx.user_agent,
            )
            return Adjusted(entry.id, before, entry.balance_after)
    except ledger.DuplicateKey:
        # Another staff member's request with the same key committed first.
        with session_scope() as session:
            first = ledger.find(session, entry_key)
            assert first is not None
            return _replayed(first, delta)


def _lock_actor(session: Session, actor_id: int) -> None:
    session.execute(select(col(User.id)).where(col(User.id) == actor_id).with_for_update())


def _replayed(first: CreditLedger, delta: int) -> Adjusted:
    if first.delta != delta:
        raise Conflict(
            "This idempotency key was already used for a different amount.", code="key_reused"
        )
    assert first.id is not None
    return Adjusted(first.id, first.balance_after - first.delta, first.balance_after, True)


def _check_limits(session: Session, actor_id: int, delta: int) -> None:
    settings = get_settings()
    if abs(delta) > settings.support_adjust_limit:
        raise InvalidInput(
            f"Support may adjust at most {settings.support_adjust_limit} credits at a time.",
            code="over_limit",
        )
    used = _used_today(session, actor_id)
    if used + abs(delta) > settings.support_daily_limit:
        left = max(settings.support_daily_limit - used, 0)
        raise InvalidInput(
            f"This passes your daily limit of {settings.support_daily_limit} credits "
            f"({left} left today).",
            code="over_limit",
        )


def _used_today(session: Session, actor_id: int) -> int:
    midnight = datetime.combine(utcnow().date(), time(0), tzinfo=UTC)
    used = session.execute(
        select(func.coalesce(func.sum(func.abs(col(CreditLedger.delta))), 0)).where(
            col(CreditLedger.actor_id) == actor_id,
            col(CreditLedger.created_at) >= midnight,
            col(CreditLedger.kind) == LedgerKind.staff_adjustment.value,
        )
    ).scalar_one()
    return int(used)
