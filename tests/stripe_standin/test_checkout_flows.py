"""The real `stripe` SDK against the stand-in, end to end: the portal creates the session,
the stand-in's hosted page pays, its signed webhooks reach the portal's API over HTTP and
grant the credits; on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests import billing_support as bs
from tests.support.factories import funded_user, set_balance
from v4a_portal.models import Payment
from v4a_portal.services import billing
from v4a_portal.services.billing import catalog, customers, stripe_api
from v4a_portal.stripe_standin.server import StandIn


def _pay(standin: StandIn, url: str) -> str:
    """Press Pay on the hosted checkout page; returns where it sends the browser."""
    assert url.startswith(f"{standin.url}/checkout/")
    page = httpx.get(url)
    assert page.status_code == 200 and "Pay" in page.text
    done = httpx.post(f"{url}/pay")
    assert done.status_code == 303
    standin.wait_delivered()
    return done.headers["location"]


def test_pack_checkout_grants_once_when_the_webhook_arrives(stripe_standin: StandIn) -> None:
    user_id = funded_user(20)
    url = billing.start_checkout(user_id, "pack_1200")
    session_id = url.rsplit("/", 1)[1]
    assert bs.balance(user_id) == 20  # creating the session grants nothing
    back = _pay(stripe_standin, url)
    assert back == f"http://testserver/billing?checkout=success&session_id={session_id}"
    assert bs.balance(user_id) == 20 + 1200
    [payment] = bs.payments(user_id)
    assert (payment.status, payment.credits, payment.amount_cents) == ("paid", 1200, 1000)
    assert payment.stripe_checkout_session_id == session_id
    # The stand-in sends charge/intent events the portal does not use: stored, 2xx.
    assert all(v == "delivered" for v in stripe_standin.deliverer.status.values())
    # Pressing Pay again (the back button) changes nothing.
    httpx.post(f"{url}/pay")
    stripe_standin.wait_delivered()
    assert bs.balance(user_id) == 1220
    receipt = billing.receipt_url(user_id, payment.id or 0)
    assert receipt.startswith(f"{stripe_standin.url}/receipts/ch_")
    bs.reconcile_clean()


@pytest.mark.parametrize("plan", ["basic", "pro"])
def test_plan_checkout_subscribes_and_grants_the_month(stripe_standin: StandIn, plan: str) -> None:
    user_id = funded_user()
    url = billing.start_checkout(user_id, plan)
    _pay(stripe_standin, url)
    credits = catalog.get(plan).credits
    assert bs.balance(user_id) == credits
    user = bs.user(user_id)
    assert user.is_subscriber and user.subscription_plan == plan
    assert user.subscription_status == "active" and user.subscription_expires_at is not None
    [payment] = bs.payments(user_id)
    assert payment.stripe_invoice_id and payment.credits == credits
    # A renewal from the stand-in's test clock grants the next month, once.
    [sub_id] = list(stripe_standin.store.objects["subscriptions"])
    first_end = user.subscription_expires_at
    httpx.post(f"{stripe_standin.url}/_standin/subscriptions/{sub_id}/renew").raise_for_status()
    stripe_standin.wait_delivered()
    assert bs.balance(user_id) == 2 * credits
    assert bs.user(user_id).subscription_expires_at > first_end
    # Buying a plan again goes to the Customer Portal instead of a second subscription.
    again = billing.start_checkout(user_id, "pro")
    assert again.startswith(f"{stripe_standin.url}/portal/bps_")
    bs.reconcile_clean()


def test_cancel_in_the_portal_keeps_the_plan_until_the_period_ends(
    stripe_standin: StandIn,
) -> None:
    user_id = funded_user()
    _pay(stripe_standin, billing.start_checkout(user_id, "basic"))
    portal = billing.portal_url(user_id)
    page = httpx.get(portal)
    assert "Cancel subscription" in page.text
    [sub_id] = list(stripe_standin.store.objects["subscriptions"])
    assert httpx.post(f"{portal}/cancel", data={"subscription": sub_id}).status_code == 303
    stripe_standin.wait_delivered()
    row = bs.subscription_row(sub_id)
    assert row is not None and row.cancel_at_period_end and row.status == "active"
    assert bs.user(user_id).is_subscriber
    # The next period does not come: the subscription ends and so do the benefits.
    httpx.post(f"{stripe_standin.url}/_standin/subscriptions/{sub_id}/renew").raise_for_status()
    stripe_standin.wait_delivered()
    user = bs.user(user_id)
    assert not user.is_subscriber and user.subscription_status == "canceled"
    assert bs.balance(user_id) == catalog.get("basic").credits  # no second month


def test_customer_is_created_once_and_reused(stripe_standin: StandIn) -> None:
    user_id = funded_user()
    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(lambda _: customers.ensure_customer(user_id), range(8)))
    assert len(ids) == 1
    assert len(stripe_standin.store.objects["customers"]) == 1
    billing.start_checkout(user_id, "pack_500")
    billing.portal_url(user_id)
    sessions = stripe_standin.store.objects["checkout_sessions"].values()
    assert {s["customer"] for s in sessions} == ids
    assert bs.user(user_id).stripe_customer_id in ids


def test_staff_refund_through_the_api_takes_the_credits_back_once(
    stripe_standin: StandIn,
) -> None:
    user_id = funded_user()
    _pay(stripe_standin, billing.start_checkout(user_id, "pack_3000"))
    [payment] = bs.payments(user_id)
    assert payment.id is not None
    set_balance(user_id, 1000)  # 2,000 of the 3,000 credits already spent
    key = uuid.uuid4().hex
    first = billing.refund_payment(payment.id, amount_cents=1000, reason="asked", request_key=key)
    # A double click: the same request key is the same refund.
    again = billing.refund_payment(payment.id, amount_cents=1000, reason="asked", request_key=key)
    assert first.refund_id == again.refund_id and first.amount_cents == 1000
    stripe_standin.wait_delivered()
    # Half the money back → half the credits (1,500), but only 1,000 are left.
    assert bs.balance(user_id) == 0
    rows = {p.kind: p for p in bs.payments(user_id)}
    assert rows["refund"].credits_clawed_back == 1000
    assert rows["refund"].credits_shortfall == 500
    assert rows["charge"].status == "partially_refunded"
    assert rows["charge"].amount_refunded_cents == 1000
    assert len(bs.ledger_rows(user_id, "chargeback")) == 1
    # The rest, refunded later, takes its own share (the balance is empty: all shortfall).
    billing.refund_payment(payment.id, amount_cents=None, reason="rest", request_key="2")
    stripe_standin.wait_delivered()
    charge = bs.count(Payment, Payment.kind == "refund")
    assert charge == 2 and bs.balance(user_id) == 0
    assert {p.kind: p for p in bs.payments(user_id)}["charge"].credits_shortfall == 2000
    bs.reconcile_clean()


def test_dispute_from_the_standin_takes_back_and_a_won_one_gives_back(
    stripe_standin: StandIn,
) -> None:
    user_id = funded_user()
    _pay(stripe_standin, billing.start_checkout(user_id, "pack_500"))
    [charge_id] = list(stripe_standin.store.objects["charges"])
    opened = httpx.post(f"{stripe_standin.url}/_standin/charges/{charge_id}/dispute").json()
    stripe_standin.wait_delivered()
    assert bs.balance(user_id) == 0
    httpx.post(
        f"{stripe_standin.url}/_standin/disputes/{opened['id']}/close", data={"outcome": "won"}
    ).raise_for_status()
    stripe_standin.wait_delivered()
    assert bs.balance(user_id) == 500
    bs.reconcile_clean()


def test_the_portal_says_test_mode_on_the_standin(stripe_standin: StandIn) -> None:
    assert stripe_api.uses_standin() and stripe_api.test_mode()
