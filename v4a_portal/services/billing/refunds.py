"""Refunding a payment through Stripe (the staff console's refund). The credits are taken
back when Stripe's `charge.refunded` arrives, by the same code as any refund, so a refund
never takes them twice whoever started it."""

from __future__ import annotations

from dataclasses import dataclass

import stripe

from v4a_portal.db import session_scope
from v4a_portal.models import Payment
from v4a_portal.services.billing import stripe_api
from v4a_portal.services.errors import Conflict, InvalidInput, NotFound, Unavailable


@dataclass(frozen=True)
class RefundStarted:
    refund_id: str
    amount_cents: int
    status: str


def _intent_of(payment: Payment) -> str:
    if payment.stripe_payment_intent_id:
        return payment.stripe_payment_intent_id
    if payment.stripe_invoice_id:
        with stripe_api.calling():
            listed = stripe_api.client().v1.invoice_payments.list(
                params={"invoice": payment.stripe_invoice_id}
            )
        for item in listed.data:
            intent = getattr(item.payment, "payment_intent", None)
            if intent:
                return str(intent)
    raise Conflict("Stripe has no payment to refund for this row.")


def refund_payment(
    payment_id: int,
    *,
    amount_cents: int | None,
    reason: str,
    request_key: str,
    actor_id: int | None = None,
) -> RefundStarted:
    """Refund `amount_cents` (None: all that is left) of a charge, through the Stripe API
    with an idempotency key built from `request_key`, so a repeated request (a double
    click, a retry) refunds once."""
    if not reason.strip():
        raise InvalidInput("Say why the payment is refunded.")
    with session_scope() as session:
        payment = session.get(Payment, payment_id)
        if payment is None or payment.kind != "charge":
            raise NotFound("No such payment.")
        if payment.status not in ("paid", "partially_refunded", "refunded"):
            raise Conflict(f"A {payment.status.replace('_', ' ')} payment cannot be refunded.")
        left = payment.amount_cents - payment.amount_refunded_cents
        amount = left if amount_cents is None else amount_cents
        if not 0 < amount <= left:
            raise InvalidInput(
                f"Refund between 1 and {left} cents: {left} of this payment's "
                f"{payment.amount_cents} cents are left to refund.",
                code="refund_amount",
            )
        intent = _intent_of(payment)
    metadata = {"payment_id": str(payment_id), "reason": reason.strip()[:500]}
    if actor_id is not None:
        metadata["staff_user_id"] = str(actor_id)
    try:
        with stripe_api.calling():
            refund = stripe_api.client().v1.refunds.create(
                params={
                    "payment_intent": intent,
                    "amount": amount,
                    "reason": "requested_by_customer",
                    "metadata": metadata,
                },
                options={"idempotency_key": f"v4a-refund-{payment_id}-{request_key}"},
            )
    except Unavailable as exc:
        # Stripe refused the request itself (more than is left after a refund whose
        # webhook has not come yet, the key reused with another amount): not an outage.
        if isinstance(exc.__cause__, (stripe.InvalidRequestError, stripe.IdempotencyError)):
            raise Conflict(exc.message, code="refund_refused") from exc
        raise
    return RefundStarted(refund.id, int(refund.amount), str(refund.status))
