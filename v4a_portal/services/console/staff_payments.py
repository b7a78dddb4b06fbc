"""A user's payments and subscription as staff see them, and the staff refund of a payment.

The refund goes to Stripe (`billing.refund_payment`, with an idempotency key made from the
request's key); the credits come back only when Stripe's `charge.refunded` arrives, by the
same code as any refund, so they are taken once. The audit row is written after Stripe has
accepted the refund (an action that fails writes none), with the payment's row locked so a
repeated request writes no second row: the same key answers with the first refund.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import AuditLog, Payment, Subscription
from v4a_portal.services import audit, billing, permissions
from v4a_portal.services.billing import history
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.console.staff_credits import check_key, check_reason
from v4a_portal.services.errors import Conflict, NotFound

VIEW = "credits.view"  # money: analysts see none of it
REFUND = "payments.refund"
ACTION = "payments.refund"


@dataclass(frozen=True)
class PaymentLine:
    id: int
    created_at: datetime
    product_code: str
    stripe_invoice_id: str | None  # a plan's invoice; None for a pack's Checkout Session
    amount_cents: int
    currency: str
    credits: int
    status: str
    amount_refunded_cents: int
    refundable_cents: int  # what a refund may still take: 0 when nothing is left
    credits_clawed_back: int
    credits_shortfall: int  # credits a refund or dispute could not take back (spent)
    disputed: bool
    has_receipt: bool


@dataclass(frozen=True)
class SubscriptionLine:
    id: str
    plan: str
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    ended_at: datetime | None

    @property
    def past_due(self) -> bool:
        return self.status == "past_due"


@dataclass(frozen=True)
class StaffBilling:
    credits: int
    subscription: SubscriptionLine | None
    payments: list[PaymentLine]
    test_mode: bool


@dataclass(frozen=True)
class RefundRequested:
    payment_id: int
    user_id: int
    refund_id: str
    amount_cents: int
    status: str  # Stripe's: "succeeded" or "pending"; the credits follow by webhook
    replayed: bool = False  # the key was used before: this is the first request's refund


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


REFUNDABLE = ("paid", "partially_refunded")


def _line(payment: Payment, adjustments: list[Payment]) -> PaymentLine:
    assert payment.id is not None
    left = payment.amount_cents - payment.amount_refunded_cents
    return PaymentLine(
        id=payment.id,
        created_at=_aware(payment.created_at) or datetime.now(UTC),
        product_code=payment.product_code,
        stripe_invoice_id=payment.stripe_invoice_id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        credits=payment.credits,
        status=payment.status,
        amount_refunded_cents=payment.amount_refunded_cents,
        refundable_cents=max(left, 0) if payment.status in REFUNDABLE else 0,
        credits_clawed_back=payment.credits_clawed_back,
        credits_shortfall=payment.credits_shortfall,
        disputed=any(r.kind == "dispute" for r in adjustments),
        has_receipt=payment.status not in ("pending", "failed"),
    )


def _subscription(sub: Subscription | None) -> SubscriptionLine | None:
    if sub is None:
        return None
    return SubscriptionLine(
        id=sub.id,
        plan=sub.plan or "",
        status=sub.status,
        current_period_end=_aware(sub.current_period_end),
        cancel_at_period_end=sub.cancel_at_period_end,
        ended_at=_aware(sub.ended_at),
    )


def billing_of(ctx: StaffContext, user_id: int) -> StaffBilling:
    """The user's balance, current subscription and charges (newest first)."""
    permissions.require(ctx.actor, VIEW)
    with session_scope() as session:
        seen = billing.overview(session, user_id)
    return StaffBilling(
        credits=seen.credits,
        subscription=_subscription(seen.subscription),
        payments=[_line(p, seen.adjustments.get(p.id or 0, [])) for p in seen.payments],
        test_mode=seen.test_mode,
    )


def fingerprint(ctx: StaffContext, user_id: int) -> tuple[object, ...]:
    """Changes when a webhook changes the user's balance, payments or subscription."""
    permissions.require(ctx.actor, VIEW)
    with session_scope() as session:
        return history.fingerprint(session, user_id)


def receipt(ctx: StaffContext, payment_id: int) -> str:
    """Stripe's receipt of any user's payment; NotFound when Stripe has none."""
    permissions.require(ctx.actor, VIEW)
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.kind != "charge":
            raise NotFound("No such payment.")
        user_id = payment.user_id
    return billing.receipt_url(user_id, payment_id)


def _first_request(
    session: Session, payment_id: int, key: str, refund_id: str | None
) -> RefundRequested | None:
    """The audited refund this key (or this Stripe refund) already made, if any."""
    rows = session.execute(
        select(col(AuditLog.after), col(AuditLog.target_user_id)).where(
            col(AuditLog.action) == ACTION,
            col(AuditLog.target_type) == "payment",
            col(AuditLog.target_id) == str(payment_id),
        )
    ).all()
    for after, user_id in rows:
        done = json.loads(after or "{}")
        if done.get("key") == key or (refund_id and done.get("refund_id") == refund_id):
            return RefundRequested(
                payment_id,
                int(user_id or 0),
                str(done.get("refund_id")),
                int(done.get("amount_cents") or 0),
                str(done.get("refund_status") or ""),
                replayed=True,
            )
    return None


def refund(
    ctx: StaffContext, payment_id: int, amount_cents: int | None, reason: str, key: str
) -> RefundRequested:
    """Refund `amount_cents` of a payment (None: all that is left) through Stripe.

    Raises Forbidden, InvalidInput (no reason, no key, an amount outside 1..what is left),
    NotFound, Conflict (a payment that cannot be refunded, or the key already refunded
    another amount: `key_reused`), Unavailable (Stripe did not answer). The same key again
    returns the first refund with `replayed=True` and refunds nothing more.
    """
    actor = permissions.require(ctx.actor, REFUND)
    reason, key = check_reason(reason), check_key(key)
    with session_scope() as session:
        first = _first_request(session, payment_id, key, None)
    if first is not None:
        return _same(first, amount_cents)
    started = billing.refund_payment(
        payment_id, amount_cents=amount_cents, reason=reason, request_key=key, actor_id=actor.id
    )
    with session_scope() as session:
        # Locked: a parallel request with the same key (the same Stripe refund) waits here,
        # then finds this one's audit row.
        payment = session.get(Payment, payment_id, with_for_update=True)
        if payment is None:
            raise NotFound("No such payment.")
        first = _first_request(session, payment_id, key, started.refund_id)
        if first is not None:
            return first
        audit.record(
            session,
            actor=actor,
            action=ACTION,
            target_type="payment",
            target_id=payment_id,
            target_user_id=payment.user_id,
            before={
                "status": payment.status,
                "amount_cents": payment.amount_cents,
                "amount_refunded_cents": payment.amount_refunded_cents,
            },
            after={
                "refund_id": started.refund_id,
                "amount_cents": started.amount_cents,
                "refund_status": started.status,
                "key": key,
            },
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
        )
        return RefundRequested(
            payment_id, payment.user_id, started.refund_id, started.amount_cents, started.status
        )


def _same(first: RefundRequested, amount_cents: int | None) -> RefundRequested:
    if amount_cents is not None and amount_cents != first.amount_cents:
        raise Conflict(
            "This idempotency key was already used to refund another amount.", code="key_reused"
        )
    return first
