"""Taking credits back for refunds and disputes, and giving them back for a won dispute.

A refund takes back its share of the payment's credits, a dispute what is left of them;
never more than the user still has: the rest is recorded as a shortfall on the refund or
dispute row and on the payment, for staff to see. Each refund and dispute has one payments
row (unique Stripe id) and at most one ledger row keyed on it."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from v4a_portal.models import LedgerKind, Payment, User, utcnow
from v4a_portal.services import ledger
from v4a_portal.services.billing import stripe_api
from v4a_portal.services.billing.context import Context
from v4a_portal.services.billing.owners import lookup

log = logging.getLogger(__name__)
Obj = dict[str, Any]

# A dispute closed in the merchant's favour: the money stays, so the credits come back.
WON = ("won", "warning_closed")


def _charge_payment(ctx: Context, intent: str | None, charge_id: str | None) -> Payment | None:
    """The payments row of the charge (locked): by payment intent, by charge id, or for a
    subscription charge through the API (invoice payments name the intent they were paid
    with; invoices themselves no longer do)."""
    session = ctx.session
    for column, value in (
        (col(Payment.stripe_payment_intent_id), intent),
        (col(Payment.stripe_charge_id), charge_id),
    ):
        if value:
            found = session.execute(
                select(Payment)
                .where(column == value, col(Payment.kind) == "charge")
                .with_for_update()
            ).scalar_one_or_none()
            if found is not None:
                return found
    if not intent:
        return None
    listed = lookup(
        lambda: stripe_api.client().v1.invoice_payments.list(
            params={"payment": {"type": "payment_intent", "payment_intent": intent}}
        )
    )
    for item in listed.data if listed is not None else []:
        found = session.execute(
            select(Payment).where(col(Payment.stripe_invoice_id) == item.invoice).with_for_update()
        ).scalar_one_or_none()
        if found is not None:
            found.stripe_payment_intent_id = intent
            return found
    return None


def _take(session: Session, user_id: int, wanted: int, key: str, reference: str) -> int:
    """Take up to `wanted` credits, no more than the balance; returns what was taken."""
    if wanted <= 0:
        return 0
    balance = session.execute(
        select(col(User.credits)).where(col(User.id) == user_id).with_for_update()
    ).scalar_one()
    taken = min(wanted, balance)
    if taken > 0:
        ledger.post(
            session,
            user_id=user_id,
            delta=-taken,
            kind=LedgerKind.chargeback,
            key=key,
            reference=reference,
        )
    return taken


def _outstanding(payment: Payment) -> int:
    """Credits of the payment not yet taken back nor written off as a shortfall."""
    return max(payment.credits - payment.credits_clawed_back - payment.credits_shortfall, 0)


def charge_refunded(ctx: Context, charge: Obj) -> None:
    """charge.refunded: each new refund of the charge takes back its share of the credits
    (cumulative, so partial refunds add up to the whole grant and never beyond it)."""
    payment = _charge_payment(ctx, charge.get("payment_intent"), charge["id"])
    if payment is None:
        log.warning("refunded charge %s pays for nothing of ours", charge["id"])
        return
    payment.stripe_charge_id = charge["id"]
    payment.amount_refunded_cents = max(payment.amount_refunded_cents, charge["amount_refunded"])
    payment.status = "refunded" if charge.get("refunded") else "partially_refunded"
    payment.updated_at = utcnow()
    listed = (charge.get("refunds") or {}).get("data")
    if listed is None or (charge.get("refunds") or {}).get("has_more"):
        # Since API 2022-11-15 a charge does not carry its refunds: ask for them.
        found = lookup(
            lambda: stripe_api.client().v1.refunds.list(
                params={"charge": charge["id"], "limit": 100}
            )
        )
        listed = [r.to_dict() for r in found.data] if found is not None else []
    refunded = 0
    for refund in sorted(listed, key=lambda r: (r["created"], r["id"])):
        if refund.get("status") not in ("succeeded", "pending"):
            continue
        before = refunded
        refunded += refund["amount"]
        known = ctx.session.execute(
            select(col(Payment.id)).where(col(Payment.stripe_refund_id) == refund["id"])
        ).scalar()
        if known is not None:
            continue
        amount = max(payment.amount_cents, 1)
        share = min(
            payment.credits * min(refunded, amount) // amount
            - payment.credits * min(before, amount) // amount,
            _outstanding(payment),
        )
        taken = _take(
            ctx.session, payment.user_id, share, f"stripe:refund:{refund['id']}", refund["id"]
        )
        ctx.session.add(
            Payment(
                user_id=payment.user_id,
                kind="refund",
                parent_id=payment.id,
                stripe_refund_id=refund["id"],
                stripe_charge_id=charge["id"],
                product_code=payment.product_code,
                amount_cents=refund["amount"],
                currency=refund.get("currency") or payment.currency,
                credits=0,
                credits_clawed_back=taken,
                credits_shortfall=share - taken,
                status=refund.get("status") or "succeeded",
            )
        )
        payment.credits_clawed_back += taken
        payment.credits_shortfall += share - taken
        ctx.session.flush()
    ctx.session.flush()


def dispute_opened(ctx: Context, dispute: Obj) -> None:
    """charge.dispute.created: take back what is left of the payment's credits."""
    if _dispute_row(ctx, dispute["id"]) is not None:
        return  # already seen (or already closed: a late `created` changes nothing)
    payment = _charge_payment(ctx, dispute.get("payment_intent"), dispute.get("charge"))
    if payment is None:
        log.warning("disputed charge %s pays for nothing of ours", dispute.get("charge"))
        return
    share = _outstanding(payment)
    taken = _take(
        ctx.session, payment.user_id, share, f"stripe:dispute:{dispute['id']}", dispute["id"]
    )
    ctx.session.add(_new_dispute_row(payment, dispute, taken, share - taken))
    payment.credits_clawed_back += taken
    payment.credits_shortfall += share - taken
    payment.status, payment.updated_at = "disputed", utcnow()
    ctx.session.flush()


def dispute_closed(ctx: Context, dispute: Obj) -> None:
    """charge.dispute.closed: a won dispute gives back what its opening took."""
    row = _dispute_row(ctx, dispute["id"])
    if row is None:
        # Closed before its `created` arrived: nothing was taken, nothing to give back;
        # the row makes the late `created` a no-op.
        payment = _charge_payment(ctx, dispute.get("payment_intent"), dispute.get("charge"))
        if payment is not None:
            ctx.session.add(_new_dispute_row(payment, dispute, 0, 0))
            ctx.session.flush()
        return
    if row.status in (*WON, "lost"):
        return
    row.status, row.updated_at = dispute["status"], utcnow()
    parent = ctx.session.get(Payment, row.parent_id, with_for_update=True)
    if dispute["status"] in WON and parent is not None:
        if row.credits_clawed_back:
            ledger.post(
                ctx.session,
                user_id=row.user_id,
                delta=row.credits_clawed_back,
                kind=LedgerKind.chargeback,
                key=f"stripe:dispute:{dispute['id']}:won",
                reference=dispute["id"],
                note="dispute won",
            )
        row.credits = row.credits_clawed_back
        parent.credits_clawed_back -= row.credits_clawed_back
        parent.credits_shortfall -= row.credits_shortfall
        parent.status = "refunded" if parent.amount_refunded_cents else "paid"
    elif parent is not None:
        parent.status = "dispute_lost"
    ctx.session.flush()


def _dispute_row(ctx: Context, dispute_id: str) -> Payment | None:
    return ctx.session.execute(
        select(Payment).where(col(Payment.stripe_dispute_id) == dispute_id).with_for_update()
    ).scalar_one_or_none()


def _new_dispute_row(payment: Payment, dispute: Obj, taken: int, shortfall: int) -> Payment:
    return Payment(
        user_id=payment.user_id,
        kind="dispute",
        parent_id=payment.id,
        stripe_dispute_id=dispute["id"],
        stripe_charge_id=dispute.get("charge"),
        product_code=payment.product_code,
        amount_cents=dispute.get("amount") or 0,
        currency=dispute.get("currency") or payment.currency,
        credits=0,
        credits_clawed_back=taken,
        credits_shortfall=shortfall,
        status=dispute.get("status") or "needs_response",
    )
