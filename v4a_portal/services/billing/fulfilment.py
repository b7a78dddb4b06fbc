"""Granting what was paid for: a credit pack once per Checkout Session (only when paid),
a plan's monthly credits once per invoice. Each grant is one ledger row keyed on the Stripe
object it pays for, so a second event about the same session or invoice grants nothing."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import bindparam, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from v4a_portal.models import LedgerKind, Payment, utcnow
from v4a_portal.services import ledger
from v4a_portal.services.billing import catalog, owners, subscriptions
from v4a_portal.services.billing.context import Context

log = logging.getLogger(__name__)
Obj = dict[str, Any]

_payments = Payment.__table__  # type: ignore[attr-defined]

# Invoices that start or renew a plan's month; others (a mid-month plan change's
# proration, a manual invoice) are recorded without a grant.
GRANTING_REASONS = ("subscription_create", "subscription_cycle")


def _locked(session: Session, column: Any, value: str) -> Payment | None:
    return session.execute(
        select(Payment).where(column == value).with_for_update()
    ).scalar_one_or_none()


def _grant(ctx: Context, payment: Payment, kind: LedgerKind, key: str, reference: str) -> None:
    # The payment's status is the once-guard (locked row); the key is the ledger's own.
    if payment.credits > 0:
        ledger.post(
            ctx.session,
            user_id=payment.user_id,
            delta=payment.credits,
            kind=kind,
            key=key,
            reference=reference,
        )


def session_completed(ctx: Context, cs: Obj) -> None:
    """checkout.session.completed and .async_payment_succeeded."""
    user_id = ctx.owners.for_session(cs)
    if user_id is None:
        log.warning("checkout session %s belongs to no user", cs["id"])
        return
    if cs.get("mode") != "payment":
        return  # a plan: its invoices grant (invoice.paid), whichever event comes first
    meta = cs.get("metadata") or {}
    code = meta.get("product") or ""
    payment = _locked(ctx.session, col(Payment.stripe_checkout_session_id), cs["id"])
    if payment is None:
        credits = meta.get("credits")
        if not (isinstance(credits, str) and credits.isdigit()):
            credits = str(catalog.get(code).credits) if code else "0"
        payment = Payment(
            user_id=user_id,
            stripe_checkout_session_id=cs["id"],
            product_code=code or "pack",
            amount_cents=cs.get("amount_total") or 0,
            currency=cs.get("currency") or "usd",
            credits=int(credits),
        )
        ctx.session.add(payment)
    payment.stripe_payment_intent_id = cs.get("payment_intent") or payment.stripe_payment_intent_id
    payment.updated_at = utcnow()
    paid = cs.get("payment_status") in ("paid", "no_payment_required")
    if paid and payment.status in ("pending", "failed"):
        payment.status = "paid"
        ctx.session.flush()
        _grant(ctx, payment, LedgerKind.purchase, f"stripe:checkout:{cs['id']}", code)
    ctx.session.flush()


def session_failed(ctx: Context, cs: Obj) -> None:
    """checkout.session.async_payment_failed: the delayed payment did not arrive."""
    payment = _locked(ctx.session, col(Payment.stripe_checkout_session_id), cs["id"])
    user_id = ctx.owners.for_session(cs)
    if payment is None and user_id is not None and cs.get("mode") == "payment":
        meta = cs.get("metadata") or {}
        payment = Payment(
            user_id=user_id,
            stripe_checkout_session_id=cs["id"],
            product_code=meta.get("product") or "pack",
            amount_cents=cs.get("amount_total") or 0,
            credits=0,
        )
        ctx.session.add(payment)
    if payment is not None and payment.status == "pending":
        payment.status, payment.updated_at = "failed", utcnow()
    ctx.session.flush()


def _subscription_of(invoice: Obj) -> str | None:
    # Since API 2025-03-31 an invoice names its subscription under parent.
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription")


def _plan_of(invoice: Obj) -> catalog.Product | None:
    for line in (invoice.get("lines") or {}).get("data") or []:
        price = ((line.get("pricing") or {}).get("price_details") or {}).get("price")
        product = catalog.by_price_id(price)
        if product is not None:
            return product
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    code = (details.get("metadata") or {}).get("product")
    products = {p.code: p for p in catalog.products()}
    return products.get(code) if code else None


def _invoice_payment(ctx: Context, invoice: Obj, user_id: int, plan: str) -> Payment:
    payment = _locked(ctx.session, col(Payment.stripe_invoice_id), invoice["id"])
    if payment is None:
        payment = Payment(
            user_id=user_id,
            stripe_invoice_id=invoice["id"],
            product_code=plan,
            amount_cents=invoice.get("amount_paid") or invoice.get("amount_due") or 0,
            currency=invoice.get("currency") or "usd",
            credits=0,
            stripe_subscription_id=_subscription_of(invoice),
            receipt_url=invoice.get("hosted_invoice_url"),
        )
        ctx.session.add(payment)
    return payment


_PAID_COLUMNS = (
    "user_id",
    "stripe_invoice_id",
    "product_code",
    "amount_cents",
    "currency",
    "credits",
    "stripe_subscription_id",
    "receipt_url",
)


def _insert_paid_statement(dialect: Any) -> Any:
    return (
        dialect.insert(_payments)
        .values(
            **{c: bindparam(c, type_=_payments.c[c].type) for c in _PAID_COLUMNS},
            kind="charge",
            status="paid",
            amount_refunded_cents=0,
            credits_clawed_back=0,
            credits_shortfall=0,
            created_at=bindparam("now", type_=_payments.c.created_at.type),
            updated_at=bindparam("now", type_=_payments.c.updated_at.type),
        )
        .on_conflict_do_nothing(index_elements=["stripe_invoice_id"])
        .returning(_payments.c.id)
    )


# Built once per dialect: building it per event cost more than running it.
_INSERT_PAID = {
    "postgresql": _insert_paid_statement(postgresql),
    "sqlite": _insert_paid_statement(sqlite),
}


def _insert_paid_named_statement() -> Any:
    """PostgreSQL: the paid invoice's row for the user its metadata names, with the owner
    check and customer link of `Owners._found` in the same statement (one round trip less
    per invoice)."""
    owner = owners.NAMED_OWNER
    columns = [c for c in _PAID_COLUMNS if c != "user_id"]
    fixed = {
        "kind": "charge",
        "status": "paid",
        "amount_refunded_cents": 0,
        "credits_clawed_back": 0,
        "credits_shortfall": 0,
    }
    rows = select(
        owner.c.id,
        # Prefixed: parameters named like a users column would also be SET by `link`.
        *(bindparam(f"paid_{c}", type_=_payments.c[c].type) for c in columns),
        *(literal(v, type_=_payments.c[k].type) for k, v in fixed.items()),
        bindparam("now", type_=_payments.c.created_at.type),
        bindparam("now", type_=_payments.c.updated_at.type),
    )
    return (
        postgresql.insert(_payments)
        .from_select(["user_id", *columns, *fixed, "created_at", "updated_at"], rows)
        .on_conflict_do_nothing(index_elements=["stripe_invoice_id"])
        .returning(_payments.c.id)
        .add_cte(owners.LINK_CUSTOMER)
    )


_INSERT_PAID_NAMED = _insert_paid_named_statement()


def _insert_paid_named(ctx: Context, values: dict[str, Any], customer: str | None) -> int | None:
    """`_insert_paid` for the user `values["user_id"]` if that user exists, linking
    `customer` as `Owners._found` does; None when the user does not exist or the invoice
    has a row already (the general path then decides)."""
    params = {f"paid_{k}": v for k, v in values.items() if k != "user_id"}
    params.update(owner_id=values["user_id"], owner_customer=customer, now=utcnow())
    return ctx.session.connection().execute(_INSERT_PAID_NAMED, params).scalar()


def _insert_paid(ctx: Context, values: dict[str, Any]) -> int | None:
    """INSERT the paid invoice's payments row unless one exists; its id, or None.

    The common case (a new invoice) costs one statement; the row of an invoice seen
    before (failed, then paid) is locked and updated by the caller instead.
    """
    conn = ctx.session.connection()
    statement = _INSERT_PAID["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    return conn.execute(statement, {**values, "now": utcnow()}).scalar()


def _paid_values(invoice: Obj, user_id: int, sub_id: str | None) -> dict[str, Any]:
    product = _plan_of(invoice)
    grants = product is not None and invoice.get("billing_reason") in GRANTING_REASONS
    return {
        "user_id": user_id,
        "stripe_invoice_id": invoice["id"],
        "product_code": product.code if product else "invoice",
        "amount_cents": invoice.get("amount_paid") or invoice.get("amount_due") or 0,
        "currency": invoice.get("currency") or "usd",
        "credits": product.credits if grants and product else 0,
        "stripe_subscription_id": sub_id,
        "receipt_url": invoice.get("hosted_invoice_url"),
    }


def invoice_paid(ctx: Context, invoice: Obj) -> None:
    """invoice.paid: the plan's monthly credits, once per invoice, to the subscriber,
    whether or not the subscription's or the session's events have come yet."""
    sub_id = _subscription_of(invoice)
    named = ctx.owners.named_by_invoice(invoice)
    if named is not None and ctx.session.connection().dialect.name == "postgresql":
        # The common case, a new invoice of a user the metadata names: one statement.
        values = _paid_values(invoice, named, sub_id)
        if _insert_paid_named(ctx, values, invoice.get("customer")) is not None:
            _grant_invoice(ctx, invoice, values)
            return
    user_id = ctx.owners.for_invoice(invoice, sub_id)
    if user_id is None:
        log.warning("invoice %s belongs to no user", invoice["id"])
        return
    values = _paid_values(invoice, user_id, sub_id)
    if _insert_paid(ctx, values) is None:
        payment = _locked(ctx.session, col(Payment.stripe_invoice_id), invoice["id"])
        if payment is None or payment.status == "paid":
            return
        for name in ("credits", "amount_cents", "receipt_url"):
            setattr(payment, name, values[name] or getattr(payment, name))
        payment.status, payment.updated_at = "paid", utcnow()
        ctx.session.flush()
    _grant_invoice(ctx, invoice, values)


def _grant_invoice(ctx: Context, invoice: Obj, values: dict[str, Any]) -> None:
    if values["credits"]:
        ledger.post(
            ctx.session,
            user_id=values["user_id"],
            delta=values["credits"],
            kind=LedgerKind.subscription_grant,
            key=f"stripe:invoice:{invoice['id']}",
            reference=values["product_code"],
        )


def invoice_failed(ctx: Context, invoice: Obj) -> None:
    """invoice.payment_failed: shown as a failed payment and a past-due subscription."""
    sub_id = _subscription_of(invoice)
    user_id = ctx.owners.for_invoice(invoice, sub_id)
    if user_id is None:
        return
    product = _plan_of(invoice)
    payment = _invoice_payment(ctx, invoice, user_id, product.code if product else "invoice")
    if payment.status != "paid":
        payment.status, payment.updated_at = "failed", utcnow()
    ctx.session.flush()
    subscriptions.mark_past_due(ctx, sub_id)
