"""What a user sees of their billing: subscription, payments with refunds and disputes,
when the next daily bonus comes, and receipts (looked up once, when first asked for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import Payment, Subscription
from v4a_portal.services import accounts
from v4a_portal.services.billing import stripe_api, subscriptions
from v4a_portal.services.billing.owners import lookup
from v4a_portal.services.errors import NotFound
from v4a_portal.settings import get_settings


@dataclass(frozen=True)
class Overview:
    credits: int
    subscription: Subscription | None
    payments: list[Payment]  # charges, newest first
    adjustments: dict[int, list[Payment]] = field(default_factory=dict)  # charge id → rows
    next_bonus_at: datetime | None = None  # None: due at the next sign-in
    test_mode: bool = True


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


def overview(session: Session, user_id: int, limit: int = 50) -> Overview:
    user = accounts.get(session, user_id)
    rows = list(
        session.execute(
            select(Payment)
            .where(col(Payment.user_id) == user_id)
            .order_by(col(Payment.created_at).desc(), col(Payment.id).desc())
            .limit(limit * 3)
        )
        .scalars()
        .all()
    )
    charges = [p for p in rows if p.kind == "charge"][:limit]
    adjustments: dict[int, list[Payment]] = {}
    for row in rows:
        if row.parent_id is not None:
            adjustments.setdefault(row.parent_id, []).append(row)
    last = _aware(user.last_login_bonus_date)
    next_bonus = last + timedelta(hours=get_settings().daily_bonus_hours) if last else None
    if next_bonus is not None and next_bonus <= datetime.now(UTC):
        next_bonus = None
    return Overview(
        credits=user.credits,
        subscription=subscriptions.current(session, user_id),
        payments=charges,
        adjustments=adjustments,
        next_bonus_at=next_bonus,
        test_mode=stripe_api.test_mode(),
    )


def paid_session(session: Session, user_id: int, checkout_session_id: str) -> Payment | None:
    """The user's pack payment made by a Checkout Session, once its webhook has come."""
    return session.execute(
        select(Payment).where(
            col(Payment.user_id) == user_id,
            col(Payment.stripe_checkout_session_id) == checkout_session_id,
        )
    ).scalar_one_or_none()


def receipt_url(user_id: int, payment_id: int) -> str:
    """Stripe's receipt for one of the user's payments; NotFound when Stripe has none."""
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.user_id != user_id:
            raise NotFound("No such payment.")
        if payment.receipt_url:
            return payment.receipt_url
        intent = payment.stripe_payment_intent_id
    if not intent:
        raise NotFound("This payment has no receipt.")
    found = lookup(
        lambda: stripe_api.client().v1.payment_intents.retrieve(
            intent, params={"expand": ["latest_charge"]}
        )
    )
    charge = found.latest_charge if found is not None else None
    url = getattr(charge, "receipt_url", None)
    if not url:
        raise NotFound("This payment has no receipt.")
    with session_scope() as session:
        stored = session.get(Payment, payment_id)
        if stored is not None:
            stored.receipt_url = str(url)
            stored.stripe_charge_id = stored.stripe_charge_id or getattr(charge, "id", None)
    return str(url)


def fingerprint(session: Session, user_id: int) -> tuple[object, ...]:
    """Changes whenever the balance, a payment or a subscription of the user changes: a
    page watching for webhooks compares it instead of re-reading everything."""
    credits = accounts.get(session, user_id).credits
    payments = session.execute(
        select(func.count(), func.max(col(Payment.updated_at))).where(
            col(Payment.user_id) == user_id
        )
    ).one()
    subs = session.execute(
        select(func.max(col(Subscription.updated_at))).where(col(Subscription.user_id) == user_id)
    ).scalar()
    return (credits, *payments, subs)


def checkout_result(user_id: int, checkout_session_id: str) -> Payment | None:
    """The paid payment a Checkout Session of the user led to, once its webhook has come:
    the pack's payment, or a plan's first invoice (the session names the subscription)."""
    with session_scope() as session:
        found = paid_session(session, user_id, checkout_session_id)
        if found is not None:
            return found if found.status != "pending" else None
        user = accounts.get(session, user_id)
        customer = user.stripe_customer_id
    cs = lookup(lambda: stripe_api.client().v1.checkout.sessions.retrieve(checkout_session_id))
    if cs is None or cs.customer != customer or not cs.subscription:
        return None
    with session_scope() as session:
        return session.execute(
            select(Payment)
            .where(
                col(Payment.user_id) == user_id,
                col(Payment.stripe_subscription_id) == cs.subscription,
                col(Payment.status) == "paid",
            )
            .order_by(col(Payment.id))
            .limit(1)
        ).scalar_one_or_none()
