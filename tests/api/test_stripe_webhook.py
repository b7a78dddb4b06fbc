"""POST /api/v1/webhooks/stripe with events built from Stripe's own object fixtures and
signed with the real algorithm, on SQLite and on PostgreSQL: every handled type, repeats,
order, bad signatures, refunds and disputes after the credits were spent."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests import billing_support as bs
from tests.api.conftest import assert_error
from tests.support.factories import funded_user, set_balance
from v4a_portal.models import Payment, StripeEvent
from v4a_portal.services.billing import catalog

Obj = dict[str, Any]


def deliver(client: TestClient, event: Obj, times: int = 1) -> list[str]:
    body, signature = bs.sign(event)
    outcomes = []
    for _ in range(times):
        response = client.post(bs.WEBHOOK, content=body, headers=bs.headers(signature))
        assert response.status_code == 200, response.text
        outcomes.append(response.json()["outcome"])
    return outcomes


# -- credit packs ---------------------------------------------------------------------------


def test_a_paid_session_grants_its_pack_once_however_often_it_comes(db_client: TestClient) -> None:
    user_id = funded_user(5)
    cs = bs.pack_session(user_id, "pack_1200")
    outcomes = deliver(db_client, bs.event("checkout.session.completed", cs), times=10)
    assert outcomes == ["applied"] + ["duplicate"] * 9
    # The same session in another event (Stripe also sends async_payment_succeeded).
    deliver(db_client, bs.event("checkout.session.async_payment_succeeded", cs), times=3)
    assert bs.balance(user_id) == 5 + 1200
    [payment] = bs.payments(user_id)
    assert payment.status == "paid" and payment.amount_cents == 1000
    assert payment.stripe_payment_intent_id == cs["payment_intent"]
    [grant] = bs.ledger_rows(user_id, "purchase")[1:]
    assert grant.idempotency_key == f"stripe:checkout:{cs['id']}"
    assert bs.events_stored() == 2
    bs.reconcile_clean()


def test_an_unpaid_session_waits_for_its_async_payment(db_client: TestClient) -> None:
    user_id = funded_user()
    cs = bs.pack_session(user_id, "pack_500", paid=False)
    deliver(db_client, bs.event("checkout.session.completed", cs))
    assert bs.balance(user_id) == 0
    assert bs.payments(user_id)[0].status == "pending"
    cs["payment_status"] = "paid"
    deliver(db_client, bs.event("checkout.session.async_payment_succeeded", cs))
    assert bs.balance(user_id) == 500

    other = bs.pack_session(user_id, "pack_500", paid=False)
    deliver(db_client, bs.event("checkout.session.completed", other))
    deliver(db_client, bs.event("checkout.session.async_payment_failed", other))
    assert bs.balance(user_id) == 500
    assert [p.status for p in bs.payments(user_id)] == ["paid", "failed"]


def test_a_session_for_no_known_user_is_acknowledged_and_grants_nothing(
    db_client: TestClient,
) -> None:
    cs = bs.pack_session(987654)
    assert deliver(db_client, bs.event("checkout.session.completed", cs)) == ["applied"]
    assert bs.count(Payment) == 0


# -- plans ----------------------------------------------------------------------------------


def test_invoices_grant_the_month_once_each(db_client: TestClient) -> None:
    user_id = funded_user()
    sub = bs.subscription(user_id, "pro")
    deliver(db_client, bs.event("customer.subscription.created", sub))
    first = bs.invoice(sub, "subscription_create")
    deliver(db_client, bs.event("invoice.paid", first), times=10)
    cycle = bs.invoice(sub, "subscription_cycle")
    deliver(db_client, bs.event("invoice.paid", cycle), times=2)
    # A plan change's proration invoice is recorded but grants nothing.
    deliver(db_client, bs.event("invoice.paid", bs.invoice(sub, "subscription_update")))
    assert bs.balance(user_id) == 2 * catalog.get("pro").credits
    grants = bs.ledger_rows(user_id, "subscription_grant")
    assert [g.idempotency_key for g in grants] == [
        f"stripe:invoice:{first['id']}",
        f"stripe:invoice:{cycle['id']}",
    ]
    assert [p.credits for p in bs.payments(user_id)] == [5000, 5000, 0]
    user = bs.user(user_id)
    assert user.is_subscriber and user.subscription_plan == "pro"
    bs.reconcile_clean()


def test_invoice_paid_before_the_session_and_subscription_events(db_client: TestClient) -> None:
    """The customer is not linked yet: the invoice's subscription metadata names the user."""
    user_id = funded_user()
    sub = bs.subscription(user_id, "basic")
    deliver(db_client, bs.event("invoice.paid", bs.invoice(sub)))
    assert bs.balance(user_id) == 1500
    assert bs.user(user_id).stripe_customer_id == sub["customer"]
    deliver(db_client, bs.event("customer.subscription.created", sub))
    deliver(
        db_client,
        bs.event(
            "checkout.session.completed", bs.plan_session(user_id, sub["id"], sub["customer"])
        ),
    )
    assert bs.balance(user_id) == 1500  # the session of a plan grants nothing itself
    assert bs.user(user_id).is_subscriber


def test_a_failed_renewal_shows_past_due(db_client: TestClient) -> None:
    user_id = funded_user()
    sub = bs.subscription(user_id, "basic")
    deliver(db_client, bs.event("customer.subscription.created", sub, created=1000))
    failed = bs.invoice(sub, "subscription_cycle")
    failed.update(status="open", amount_paid=0)
    deliver(db_client, bs.event("invoice.payment_failed", failed, created=2000))
    user = bs.user(user_id)
    assert user.subscription_status == "past_due" and user.is_subscriber
    assert bs.balance(user_id) == 0
    assert bs.payments(user_id)[0].status == "failed"


def test_subscription_updated_before_created(db_client: TestClient) -> None:
    user_id = funded_user()
    sub = bs.subscription(user_id, "basic")
    created = json.loads(json.dumps(sub))
    sub["cancel_at_period_end"] = True
    # Same second: `created` still must not overwrite the newer state.
    deliver(db_client, bs.event("customer.subscription.updated", sub, created=5000))
    deliver(db_client, bs.event("customer.subscription.created", created, created=5000))
    row = bs.subscription_row(sub["id"])
    assert row is not None and row.cancel_at_period_end and row.status == "active"


def test_a_late_update_does_not_revive_a_deleted_subscription(db_client: TestClient) -> None:
    user_id = funded_user()
    sub = bs.subscription(user_id, "basic")
    deliver(db_client, bs.event("customer.subscription.created", sub, created=100))
    ended = dict(sub, status="canceled", ended_at=200)
    deliver(db_client, bs.event("customer.subscription.deleted", ended, created=200))
    deliver(db_client, bs.event("customer.subscription.updated", sub, created=150))
    deliver(db_client, bs.event("customer.subscription.updated", sub, created=300))
    user = bs.user(user_id)
    assert not user.is_subscriber and user.subscription_status == "canceled"
    assert user.subscription_expires_at is not None


def test_an_older_update_never_overwrites_a_newer_one(db_client: TestClient) -> None:
    user_id = funded_user()
    basic, pro = bs.subscription(user_id, "basic"), None
    pro = json.loads(json.dumps(basic))
    pro["items"]["data"][0]["price"]["id"] = catalog.get("pro").price_id
    deliver(db_client, bs.event("customer.subscription.updated", pro, created=900))
    deliver(db_client, bs.event("customer.subscription.updated", basic, created=800))
    assert bs.user(user_id).subscription_plan == "pro"


# -- refunds and disputes ---------------------------------------------------------------------


def _bought(client: TestClient, user_id: int, code: str = "pack_3000") -> Obj:
    cs = bs.pack_session(user_id, code)
    deliver(client, bs.event("checkout.session.completed", cs))
    return bs.charge(cs["payment_intent"], cs["amount_total"])


def test_refunds_take_back_their_share_never_below_zero(db_client: TestClient) -> None:
    user_id = funded_user()
    ch = _bought(db_client, user_id)  # 3,000 credits for $20
    set_balance(user_id, 400)  # most of it spent
    bs.refund(ch, 500)  # a quarter of the money: 750 credits, only 400 left
    deliver(db_client, bs.event("charge.refunded", ch), times=3)
    assert bs.balance(user_id) == 0
    set_balance(user_id, 2000)
    bs.refund(ch, 1500)  # the rest: 2,250 credits, 2,000 there
    deliver(db_client, bs.event("charge.refunded", ch))
    assert bs.balance(user_id) == 0
    rows = bs.payments(user_id)
    charge_row = next(p for p in rows if p.kind == "charge")
    refunds = [p for p in rows if p.kind == "refund"]
    assert [(r.credits_clawed_back, r.credits_shortfall) for r in refunds] == [
        (400, 350),
        (2000, 250),
    ]
    assert charge_row.status == "refunded" and charge_row.amount_refunded_cents == 2000
    assert (charge_row.credits_clawed_back, charge_row.credits_shortfall) == (2400, 600)
    bs.reconcile_clean()


def test_a_dispute_takes_back_what_is_left_and_gives_it_back_when_won(
    db_client: TestClient,
) -> None:
    user_id = funded_user()
    ch = _bought(db_client, user_id, "pack_500")
    set_balance(user_id, 300)
    dispute = bs.objects.dispute(charge_obj=ch)
    deliver(db_client, bs.event("charge.dispute.created", dispute), times=3)
    assert bs.balance(user_id) == 0
    row = next(p for p in bs.payments(user_id) if p.kind == "dispute")
    assert (row.credits_clawed_back, row.credits_shortfall) == (300, 200)
    deliver(db_client, bs.event("charge.dispute.closed", dict(dispute, status="won")), times=2)
    assert bs.balance(user_id) == 300
    charge_row = next(p for p in bs.payments(user_id) if p.kind == "charge")
    assert charge_row.status == "paid" and charge_row.credits_shortfall == 0
    bs.reconcile_clean()


def test_a_lost_dispute_keeps_the_credits_taken(db_client: TestClient) -> None:
    user_id = funded_user()
    ch = _bought(db_client, user_id, "pack_500")
    dispute = bs.objects.dispute(charge_obj=ch)
    deliver(db_client, bs.event("charge.dispute.created", dispute))
    deliver(db_client, bs.event("charge.dispute.closed", dict(dispute, status="lost")))
    assert bs.balance(user_id) == 0
    assert next(p for p in bs.payments(user_id) if p.kind == "charge").status == "dispute_lost"


def test_a_dispute_closed_before_it_opened_takes_nothing(db_client: TestClient) -> None:
    user_id = funded_user()
    ch = _bought(db_client, user_id, "pack_500")
    dispute = bs.objects.dispute(charge_obj=ch)
    deliver(db_client, bs.event("charge.dispute.closed", dict(dispute, status="won")))
    deliver(db_client, bs.event("charge.dispute.created", dispute))
    assert bs.balance(user_id) == 500


# -- what is refused and what is ignored --------------------------------------------------------


def _refused(client: TestClient, body: bytes, signature: str | None) -> None:
    sent = bs.headers(signature) if signature else {"Content-Type": "application/json"}
    assert_error(client.post(bs.WEBHOOK, content=body, headers=sent), 400, "invalid_webhook")


def test_bad_deliveries_are_refused_and_store_nothing(db_client: TestClient) -> None:
    user_id = funded_user()
    event = bs.event("checkout.session.completed", bs.pack_session(user_id))
    body, signature = bs.sign(event)
    _refused(db_client, body, bs.sign(event, secret="whsec_forged")[1])
    _refused(db_client, body, bs.sign(event, timestamp=int(time.time()) - 301)[1])
    _refused(db_client, body.replace(b'"pack_500"', b'"pack_3000"'), signature)
    _refused(db_client, body, None)
    _refused(db_client, body, "t=1,v1=")
    for malformed in (b"{not json", b"[1, 2]", b'{"id": "evt_1", "type": "x"}'):
        _refused(db_client, malformed, _sig(malformed))
    assert bs.events_stored() == 0 and bs.count(Payment) == 0
    assert bs.balance(user_id) == 0


def _sig(raw: bytes) -> str:
    import stripe

    from v4a_portal.settings import get_settings

    return stripe.WebhookSignature.generate_signature_header(
        raw.decode(), get_settings().stripe_webhook_secret
    )


def test_unknown_event_types_are_acknowledged_and_grant_nothing(db_client: TestClient) -> None:
    user_id = funded_user()
    cs = bs.pack_session(user_id)
    assert deliver(db_client, bs.event("checkout.session.expired", cs)) == ["ignored"]
    assert deliver(db_client, bs.event("customer.created", bs.objects.fixture("customer"))) == [
        "ignored"
    ]
    balance = {"object": "balance", "available": [{"amount": 0, "currency": "usd"}]}
    assert deliver(db_client, bs.event("balance.available", balance)) == ["ignored"]
    assert bs.events_stored() == 3 and bs.count(Payment) == 0 and bs.balance(user_id) == 0


# -- concurrency: real HTTP, parallel deliveries ---------------------------------------------------


def test_parallel_deliveries_grant_once(portal_api: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    user_id = funded_user()
    cs = bs.pack_session(user_id, "pack_500")
    sub = bs.subscription(user_id, "basic")
    events = [
        bs.event("checkout.session.completed", cs),
        bs.event("checkout.session.async_payment_succeeded", cs),
        bs.event("invoice.paid", bs.invoice(sub)),
        bs.event("customer.subscription.created", sub),
    ]
    signed = [bs.sign(e) for e in events for _ in range(10)]

    def post(item: tuple[bytes, str]) -> int:
        body, signature = item
        response = httpx.post(
            portal_api + bs.WEBHOOK, content=body, headers=bs.headers(signature), timeout=60
        )
        return response.status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(post, signed))
    assert statuses == [200] * len(signed)
    assert bs.balance(user_id) == 500 + 1500
    assert bs.count(StripeEvent) == 4
    assert bs.count(Payment) == 2
    assert bs.subscription_row(sub["id"]) is not None
    bs.reconcile_clean()
