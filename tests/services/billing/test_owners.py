"""Events whose object does not say whose it is: the owner is looked up through the API
(the real SDK against the stand-in), and the customer is linked for the next time."""

from __future__ import annotations

from tests import billing_support as bs
from tests.support.factories import funded_user
from v4a_portal.services import billing
from v4a_portal.services.billing import stripe_api
from v4a_portal.stripe_standin import objects
from v4a_portal.stripe_standin.server import StandIn


def _receive(event: dict) -> str:
    return billing.receive(*bs.sign(event))


def _anonymous_invoice(sub: dict) -> dict:
    inv = bs.invoice(sub)
    inv["parent"]["subscription_details"]["metadata"] = None
    return inv


def test_invoice_for_an_unlinked_customer_finds_the_user_through_the_customer(
    stripe_standin: StandIn,
) -> None:
    user_id = funded_user()
    customer = stripe_api.client().v1.customers.create(
        params={"email": "x@example.com", "metadata": {"user_id": str(user_id)}}
    )
    sub = bs.subscription(None, "basic", customer=customer.id)
    assert _receive(bs.event("invoice.paid", _anonymous_invoice(sub))) == "applied"
    assert bs.balance(user_id) == 1500
    assert bs.user(user_id).stripe_customer_id == customer.id


def test_invoice_before_its_subscription_finds_the_user_through_the_subscription(
    stripe_standin: StandIn,
) -> None:
    user_id = funded_user()
    sub = bs.subscription(user_id, "pro")
    stripe_standin.store.objects["subscriptions"][sub["id"]] = sub
    assert _receive(bs.event("invoice.paid", _anonymous_invoice(sub))) == "applied"
    assert bs.balance(user_id) == 5000


def test_an_invoice_of_a_stranger_is_acknowledged_without_a_grant(
    stripe_standin: StandIn,
) -> None:
    sub = bs.subscription(None, "basic", customer=objects.new_id("cus"))
    assert _receive(bs.event("invoice.paid", _anonymous_invoice(sub))) == "applied"
    assert bs.count(bs.Payment) == 0
