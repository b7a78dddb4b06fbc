"""Billing test helpers: Stripe events built from Stripe's own object fixtures (through the
stand-in's builders, which start from them), signed with the real algorithm; the portal's
API served over HTTP in a thread, for the stand-in to deliver webhooks to."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import stripe
import uvicorn
from sqlalchemy import func, select

from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, Payment, StripeEvent, Subscription, User
from v4a_portal.services import ledger
from v4a_portal.services.billing import catalog
from v4a_portal.settings import get_settings
from v4a_portal.stripe_standin import objects

Obj = dict[str, Any]
WEBHOOK = "/api/v1/webhooks/stripe"


def sign(
    event: Obj, *, timestamp: int | None = None, secret: str | None = None
) -> tuple[bytes, str]:
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(
        body, secret or get_settings().stripe_webhook_secret, timestamp
    )
    return body.encode(), header


def headers(signature: str) -> dict[str, str]:
    return {"Stripe-Signature": signature, "Content-Type": "application/json"}


def event(kind: str, obj: Obj, *, created: int | None = None, **extra: Any) -> Obj:
    return objects.event(kind, obj, created=created, **extra)


def _price(code: str) -> Obj:
    product = catalog.get(code)
    recurring = product.kind == catalog.PLAN
    return objects.price(product.price_id, product.amount_cents, code, recurring)


def meta(user_id: int, code: str) -> dict[str, str]:
    return {"user_id": str(user_id), "product": code, "credits": str(catalog.get(code).credits)}


def pack_session(
    user_id: int, code: str = "pack_500", *, paid: bool = True, customer: str | None = None
) -> Obj:
    """A completed payment-mode Checkout Session, as the portal would have created it."""
    cs = objects.checkout_session(
        mode="payment",
        price_obj=_price(code),
        customer_id=customer or objects.new_id("cus"),
        customer_email=None,
        client_reference_id=str(user_id),
        metadata=meta(user_id, code),
        success_url="http://testserver/billing?checkout=success",
        cancel_url="http://testserver/billing?checkout=canceled",
        url_base="http://standin.invalid",
    )
    cs.update(
        status="complete",
        payment_status="paid" if paid else "unpaid",
        payment_intent=objects.new_id("pi"),
    )
    return cs


def plan_session(user_id: int, sub_id: str, customer: str, code: str = "basic") -> Obj:
    cs = pack_session(user_id, "pack_500", customer=customer)
    cs.update(
        mode="subscription",
        metadata=meta(user_id, code),
        subscription=sub_id,
        payment_intent=None,
        amount_total=catalog.get(code).amount_cents,
    )
    return cs


def subscription(
    user_id: int | None,
    code: str = "basic",
    *,
    customer: str | None = None,
    start: int | None = None,
) -> Obj:
    start = start or objects.now()
    return objects.subscription(
        customer_id=customer or objects.new_id("cus"),
        price_obj=_price(code),
        metadata=meta(user_id, code) if user_id else {},
        start=start,
        end=start + 30 * 86400,
    )


def invoice(sub: Obj, reason: str = "subscription_create") -> Obj:
    item = sub["items"]["data"][0]
    return objects.invoice(
        customer_id=sub["customer"],
        sub=sub,
        reason=reason,
        period_start=item["current_period_start"],
        period_end=item["current_period_end"],
        url_base="http://standin.invalid",
    )


def charge(intent_id: str, amount: int) -> Obj:
    intent = objects.payment_intent(amount=amount, customer_id=None, metadata={})
    intent["id"] = intent_id
    return objects.charge(intent=intent, url_base="http://standin.invalid")


def refund(ch: Obj, amount: int) -> Obj:
    """Refund `amount` of `ch` and record it on the charge, as Stripe's charge.refunded
    snapshot shows it (cumulative amount_refunded, refunds newest first)."""
    re = objects.refund(charge_obj=ch, amount=amount, reason=None, metadata={})
    ch["amount_refunded"] += amount
    ch["refunded"] = ch["amount_refunded"] == ch["amount"]
    ch["refunds"]["data"].insert(0, re)
    return re


# -- what the database says ---------------------------------------------------------------


def balance(user_id: int) -> int:
    with session_scope() as session:
        return ledger.balance(session, user_id)


def count(model: type, *where: Any) -> int:
    with session_scope() as session:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)
        return int(session.execute(query).scalar_one())


def events_stored() -> int:
    return count(StripeEvent)


def ledger_rows(user_id: int, kind: str | None = None) -> list[CreditLedger]:
    with session_scope() as session:
        query = select(CreditLedger).where(CreditLedger.user_id == user_id)
        if kind:
            query = query.where(CreditLedger.kind == kind)
        return list(session.execute(query.order_by(CreditLedger.id)).scalars())


def payments(user_id: int) -> list[Payment]:
    with session_scope() as session:
        query = select(Payment).where(Payment.user_id == user_id).order_by(Payment.id)
        return list(session.execute(query).scalars())


def user(user_id: int) -> User:
    with session_scope() as session:
        found = session.get(User, user_id)
        assert found is not None
        return found


def subscription_row(sub_id: str) -> Subscription | None:
    with session_scope() as session:
        return session.get(Subscription, sub_id)


def reconcile_clean() -> None:
    with session_scope() as session:
        assert ledger.reconcile(session) == []


# -- servers ------------------------------------------------------------------------------


@contextmanager
def serve_api(port: int) -> Iterator[str]:
    """The portal's FastAPI app on 127.0.0.1:`port` in a thread; yields its base URL."""
    from v4a_portal.api.app import create_api

    config = uvicorn.Config(create_api(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="portal-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
