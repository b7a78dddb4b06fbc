"""The billing page's state: what it shows from the services, and Buy / Manage sending the
browser to the stand-in's pages (never granting anything themselves)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests import billing_support as bs
from tests.state.handlers import run, signed_in_as, state_of
from tests.support.factories import funded_user
from v4a_portal.services import billing
from v4a_portal.state.billing import BillingState, _read
from v4a_portal.stripe_standin.server import StandIn


async def _collect(events: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in events]


def _deliver(event: dict[str, Any]) -> None:
    assert billing.receive(*bs.sign(event)) == "applied"


def test_the_page_shows_plan_payments_and_refunds(sqlite_db: str) -> None:
    user_id = funded_user()
    sub = bs.subscription(user_id, "basic")
    _deliver(bs.event("customer.subscription.created", sub))
    _deliver(bs.event("invoice.paid", bs.invoice(sub)))
    cs = bs.pack_session(user_id, "pack_1200")
    _deliver(bs.event("checkout.session.completed", cs))
    charge = bs.charge(cs["payment_intent"], cs["amount_total"])
    bs.refund(charge, 500)
    _deliver(bs.event("charge.refunded", charge))

    page = _read(user_id)
    assert [p.code for p in page.packs] == ["pack_500", "pack_1200", "pack_3000"]
    assert [(p.code, p.current, p.price) for p in page.plans] == [
        ("basic", True, "$12.00 / month"),
        ("pro", False, "$35.00 / month"),
    ]
    assert (page.plan_name, page.sub_status) == ("Basic", "Active")
    assert page.sub_when.startswith("Renews on ") and not page.past_due
    pack, plan = page.payments
    assert (pack.what, pack.amount, pack.credits, pack.status) == (
        "1,200 credits pack",
        "$10.00",
        "+1,200",
        "Partly refunded",
    )
    assert pack.refunded == "$5.00 refunded · 600 credits taken back"
    assert pack.receipt_href == f"/api/v1/billing/payments/{pack.id}/receipt"
    assert (plan.what, plan.credits) == ("Basic plan, monthly", "+1,500")
    assert page.test_mode and "10 free credits" in page.bonus


def test_buy_and_manage_send_the_browser_to_stripe(
    stripe_standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = funded_user(7)
    signed_in_as(monkeypatch, user_id)
    state = state_of(BillingState)
    events = run(_collect(state.buy("pack_500")))
    assert state.busy == "" and state.error == ""
    assert stripe_standin.url + "/checkout/cs_" in str(events[-1])
    assert bs.balance(user_id) == 7  # the redirect grants nothing

    events = run(_collect(state.manage()))
    assert stripe_standin.url + "/portal/bps_" in str(events[-1])

    run(_collect(state.buy("gold")))
    assert "No product 'gold'" in state.error
