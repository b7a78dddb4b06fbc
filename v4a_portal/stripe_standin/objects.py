"""Stripe objects shaped as Stripe sends them: each starts as Stripe's own example object
(fixtures.json, from Stripe's OpenAPI repository, MIT License) and gets the case's ids,
amounts and times. Tests build their webhook payloads with the same functions."""

from __future__ import annotations

import copy
import json
import secrets
import time
from functools import cache
from pathlib import Path
from typing import Any

Obj = dict[str, Any]

_FIXTURES = Path(__file__).with_name("fixtures.json")


@cache
def _fixtures() -> dict[str, Obj]:
    return dict(json.loads(_FIXTURES.read_text())["resources"])


def fixture(kind: str) -> Obj:
    """A fresh deep copy of Stripe's example `kind` object ("invoice", "charge", ...)."""
    return copy.deepcopy(_fixtures()[kind])


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


def price(price_id: str, amount: int, product_code: str, recurring: bool) -> Obj:
    obj = fixture("price")
    obj.update(
        id=price_id,
        unit_amount=amount,
        unit_amount_decimal=str(amount),
        product=f"prod_v4a_{product_code}",
        lookup_key=product_code,
        type="recurring" if recurring else "one_time",
        transform_quantity=None,
    )
    if not recurring:
        obj["recurring"] = None
    return obj


def customer(*, email: str | None, name: str | None, metadata: dict[str, str]) -> Obj:
    obj = fixture("customer")
    obj.update(
        id=new_id("cus"), email=email, name=name, metadata=metadata, created=now(), discount=None
    )
    return obj


def checkout_session(
    *,
    mode: str,
    price_obj: Obj,
    customer_id: str | None,
    customer_email: str | None,
    client_reference_id: str | None,
    metadata: dict[str, str],
    success_url: str,
    cancel_url: str,
    url_base: str,
) -> Obj:
    obj = fixture("checkout.session")
    session_id = new_id("cs_test")
    amount = price_obj["unit_amount"]
    obj.update(
        id=session_id,
        mode=mode,
        customer=customer_id,
        customer_email=customer_email,
        client_reference_id=client_reference_id,
        metadata=metadata,
        success_url=success_url,
        cancel_url=cancel_url,
        url=f"{url_base}/checkout/{session_id}",
        amount_subtotal=amount,
        amount_total=amount,
        currency="usd",
        created=now(),
        expires_at=now() + 24 * 3600,
        payment_intent=None,
        payment_status="unpaid",
        status="open",
        subscription=None,
        invoice=None,
        shipping_cost=None,
        shipping_address_collection=None,
        total_details={"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        custom_text={
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
    )
    # Not a field Stripe sends; the stand-in keeps it to complete the session.
    obj["_price"] = price_obj
    return obj


def portal_session(*, customer_id: str, return_url: str, url_base: str) -> Obj:
    obj = fixture("billing_portal.session")
    session_id = new_id("bps")
    obj.update(
        id=session_id,
        customer=customer_id,
        return_url=return_url,
        url=f"{url_base}/portal/{session_id}",
        created=now(),
        livemode=False,
        flow=None,
    )
    return obj


def subscription(
    *, customer_id: str, price_obj: Obj, metadata: dict[str, str], start: int, end: int
) -> Obj:
    obj = fixture("subscription")
    sub_id = new_id("sub")
    item = fixture("subscription_item")
    item.update(
        id=new_id("si"),
        price=price_obj,
        subscription=sub_id,
        created=start,
        current_period_start=start,
        current_period_end=end,
        plan=None,
        billing_thresholds=None,
    )
    obj.update(
        id=sub_id,
        customer=customer_id,
        metadata=metadata,
        status="active",
        created=start,
        start_date=start,
        billing_cycle_anchor=start,
        billing_cycle_anchor_config=None,
        cancel_at=None,
        cancel_at_period_end=False,
        canceled_at=None,
        ended_at=None,
        pause_collection=None,
        next_pending_invoice_item_invoice=None,
        items={
            "object": "list",
            "data": [item],
            "has_more": False,
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
    )
    return obj


def invoice(
    *,
    customer_id: str,
    sub: Obj,
    reason: str,
    period_start: int,
    period_end: int,
    url_base: str,
) -> Obj:
    obj = fixture("invoice")
    invoice_id = new_id("in")
    item = sub["items"]["data"][0]
    price_obj = item["price"]
    amount = price_obj["unit_amount"]
    line = obj["lines"]["data"][0]
    line.update(
        id=new_id("il"),
        invoice=invoice_id,
        amount=amount,
        subtotal=amount,
        description=f"1 × {price_obj['lookup_key']} (at ${amount / 100:.2f} / month)",
        period={"start": period_start, "end": period_end},
        subscription=sub["id"],
        pricing={
            "type": "price_details",
            "price_details": {"price": price_obj["id"], "product": price_obj["product"]},
            "unit_amount_decimal": str(amount),
        },
        parent={
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": False,
                "proration_details": {"credited_items": None},
                "subscription": sub["id"],
                "subscription_item": item["id"],
            },
        },
    )
    obj["lines"]["url"] = f"/v1/invoices/{invoice_id}/lines"
    paid_at = now()
    obj.update(
        id=invoice_id,
        customer=customer_id,
        billing_reason=reason,
        amount_due=amount,
        amount_paid=amount,
        amount_remaining=0,
        subtotal=amount,
        total=amount,
        currency="usd",
        status="paid",
        attempted=True,
        attempt_count=1,
        created=paid_at,
        effective_at=paid_at,
        period_start=period_start,
        period_end=period_end,
        number=f"V4A-{secrets.randbelow(10**6):06d}",
        hosted_invoice_url=f"{url_base}/invoices/{invoice_id}",
        invoice_pdf=None,
        last_finalization_error=None,
        from_invoice=None,
        next_payment_attempt=None,
        status_transitions={
            "finalized_at": paid_at,
            "marked_uncollectible_at": None,
            "paid_at": paid_at,
            "voided_at": None,
        },
        parent={
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": sub["metadata"], "subscription": sub["id"]},
        },
    )
    return obj


def payment_intent(*, amount: int, customer_id: str | None, metadata: dict[str, str]) -> Obj:
    obj = fixture("payment_intent")
    obj.update(
        id=new_id("pi"),
        amount=amount,
        amount_received=amount,
        customer=customer_id,
        metadata=metadata,
        status="succeeded",
        created=now(),
        canceled_at=None,
        last_payment_error=None,
        next_action=None,
        processing=None,
        latest_charge=None,
    )
    obj["client_secret"] = f"{obj['id']}_secret_{secrets.token_hex(8)}"
    return obj


def charge(*, intent: Obj, url_base: str) -> Obj:
    obj = fixture("charge")
    charge_id = new_id("ch")
    obj.update(
        id=charge_id,
        amount=intent["amount"],
        amount_captured=intent["amount"],
        amount_refunded=0,
        captured=True,
        paid=True,
        refunded=False,
        disputed=False,
        customer=intent["customer"],
        payment_intent=intent["id"],
        metadata=intent["metadata"],
        description=None,
        created=now(),
        balance_transaction=new_id("txn"),
        receipt_url=f"{url_base}/receipts/{charge_id}",
        refunds={
            "object": "list",
            "data": [],
            "has_more": False,
            "url": f"/v1/charges/{charge_id}/refunds",
        },
        source=None,
        transfer_data=None,
    )
    return obj


def refund(*, charge_obj: Obj, amount: int, reason: str | None, metadata: dict[str, str]) -> Obj:
    obj = fixture("refund")
    obj.update(
        id=new_id("re"),
        amount=amount,
        charge=charge_obj["id"],
        payment_intent=charge_obj["payment_intent"],
        reason=reason,
        metadata=metadata,
        status="succeeded",
        created=now(),
        balance_transaction=new_id("txn"),
    )
    return obj


def dispute(*, charge_obj: Obj) -> Obj:
    obj = fixture("dispute")
    obj.update(
        id=new_id("dp"),
        amount=charge_obj["amount"] - charge_obj["amount_refunded"],
        charge=charge_obj["id"],
        payment_intent=charge_obj["payment_intent"],
        status="needs_response",
        reason="fraudulent",
        created=now(),
    )
    return obj


def invoice_payment(*, invoice_obj: Obj, intent: Obj) -> Obj:
    obj = fixture("invoice_payment")
    obj.update(
        id=new_id("inpay"),
        invoice=invoice_obj["id"],
        amount_paid=invoice_obj["amount_paid"],
        amount_requested=invoice_obj["amount_due"],
        currency="usd",
        created=now(),
        livemode=False,
        status="paid",
        payment={"type": "payment_intent", "payment_intent": intent["id"]},
        status_transitions={"canceled_at": None, "paid_at": now()},
    )
    return obj


def event(
    event_type: str,
    obj: Obj,
    *,
    previous_attributes: Obj | None = None,
    created: int | None = None,
    event_id: str | None = None,
) -> Obj:
    """An event carrying a snapshot of `obj` (without the stand-in's own keys)."""
    snapshot = {k: v for k, v in copy.deepcopy(obj).items() if not k.startswith("_")}
    evt = fixture("event")
    data: Obj = {"object": snapshot}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    evt.update(
        id=event_id or new_id("evt"),
        type=event_type,
        created=created if created is not None else now(),
        data=data,
        api_version="2026-10-28.endive",
        livemode=False,
        pending_webhooks=1,
        request={"id": None, "idempotency_key": None},
    )
    return evt
