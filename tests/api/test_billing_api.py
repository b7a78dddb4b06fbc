"""The billing routes: catalog, checkout, portal, the user's payments and receipts; the
Stripe side is the stand-in, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import billing_support as bs
from tests.api.conftest import assert_error, bearer, make_user
from v4a_portal.stripe_standin.server import StandIn


@pytest.fixture
def client(stripe_standin: StandIn) -> Iterator[TestClient]:
    from v4a_portal.api.app import create_api

    with TestClient(create_api(), base_url="http://testserver", follow_redirects=False) as c:
        yield c


def test_catalog_is_public(client: TestClient) -> None:
    body = client.get("/api/v1/billing/catalog").json()
    assert body["test_mode"] is True
    codes = [(p["code"], p["kind"], p["interval"]) for p in body["products"]]
    assert codes == [
        ("pack_500", "pack", None),
        ("pack_1200", "pack", None),
        ("pack_3000", "pack", None),
        ("basic", "plan", "month"),
        ("pro", "plan", "month"),
    ]


def test_checkout_needs_a_user_and_a_known_product(client: TestClient) -> None:
    assert_error(client.post("/api/v1/billing/checkout", json={"product": "pack_500"}), 401)
    auth = bearer(make_user())
    response = client.post("/api/v1/billing/checkout", json={"product": "gold"}, headers=auth)
    assert_error(response, 422, "invalid_input")


def test_checkout_then_payments_and_receipt(client: TestClient, stripe_standin: StandIn) -> None:
    user = make_user()
    auth = {**bearer(user), "Idempotency-Key": "click-1"}
    first = client.post("/api/v1/billing/checkout", json={"product": "pack_500"}, headers=auth)
    again = client.post("/api/v1/billing/checkout", json={"product": "pack_500"}, headers=auth)
    assert first.status_code == 200, first.text
    url = first.json()["url"]
    assert url == again.json()["url"] and url.startswith(f"{stripe_standin.url}/checkout/")
    assert httpx.post(f"{url}/pay").status_code == 303
    stripe_standin.wait_delivered()
    body = client.get("/api/v1/billing", headers=bearer(user)).json()
    assert body["credits"] == 50 + 500
    [payment] = body["payments"]
    assert (payment["status"], payment["credits"], payment["amount_cents"]) == ("paid", 500, 500)
    receipt = client.get(f"/api/v1/billing/payments/{payment['id']}/receipt", headers=bearer(user))
    assert receipt.status_code == 302
    assert receipt.headers["location"].startswith(f"{stripe_standin.url}/receipts/")
    stranger = bearer(make_user(name="Other"))
    other = client.get(f"/api/v1/billing/payments/{payment['id']}/receipt", headers=stranger)
    assert_error(other, 404)


def test_portal_and_a_second_plan_goes_to_the_portal(
    client: TestClient, stripe_standin: StandIn
) -> None:
    user = make_user()
    portal = client.post("/api/v1/billing/portal", headers=bearer(user))
    assert portal.json()["url"].startswith(f"{stripe_standin.url}/portal/bps_")
    plan = client.post("/api/v1/billing/checkout", json={"product": "basic"}, headers=bearer(user))
    assert httpx.post(f"{plan.json()['url']}/pay").status_code == 303
    stripe_standin.wait_delivered()
    body = client.get("/api/v1/billing", headers=bearer(user)).json()
    assert body["subscription"]["plan"] == "basic"
    assert body["subscription"]["status"] == "active"
    pro = client.post("/api/v1/billing/checkout", json={"product": "pro"}, headers=bearer(user))
    assert pro.json()["url"].startswith(f"{stripe_standin.url}/portal/bps_")
    assert bs.balance(user.id or 0) == 50 + 1500
