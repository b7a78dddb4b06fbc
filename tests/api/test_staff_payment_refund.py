"""`POST /api/v1/staff/payments/{id}/refund` against the Stripe stand-in, on SQLite and on
PostgreSQL: who may refund, a bad amount changes nothing, a retried request is one refund
and one audit row, and the credits come back once, by the `charge.refunded` webhook."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from tests import billing_support as bs
from tests.api.conftest import assert_error, bearer
from tests.services.console.staff import audit_rows, staff
from tests.support.factories import funded_user, set_balance
from v4a_portal.api.app import create_api
from v4a_portal.models import Role
from v4a_portal.services import billing
from v4a_portal.stripe_standin.server import StandIn

AGENT = {"User-Agent": "staff-refund-test/1.0"}


@pytest.fixture
def client(stripe_standin: StandIn) -> Iterator[TestClient]:
    with TestClient(create_api(), base_url="http://testserver", follow_redirects=False) as c:
        yield c


def _paid_pack(standin: StandIn, code: str = "pack_1200") -> tuple[int, int]:
    """A customer who bought `code` on the stand-in's checkout page: (user id, payment id)."""
    user_id = funded_user()
    url = billing.start_checkout(user_id, code)
    assert httpx.post(f"{url}/pay").status_code == 303
    standin.wait_delivered()
    [payment] = bs.payments(user_id)
    assert payment.id is not None and payment.status == "paid"
    return user_id, payment.id


def _refund(
    client: TestClient, role: Role, payment_id: int, body: dict[str, object], key: str | None
) -> httpx.Response:
    headers = {**bearer(staff(role)), **AGENT}
    if key:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/staff/payments/{payment_id}/refund", json=body, headers=headers)


def _stripe_refunds(standin: StandIn) -> int:
    return len(standin.store.objects["refunds"])


def test_staff_refund_roles_amounts_retries_and_one_claw_back(
    stripe_standin: StandIn, client: TestClient
) -> None:
    user_id, payment_id = _paid_pack(stripe_standin)  # $10.00 for 1,200 credits
    assert bs.balance(user_id) == 1200
    body = {"amount_cents": 250, "reason": "ticket #77: asked for part back"}

    # Analysts see no money, customers are not staff: refused, nothing sent to Stripe.
    for role in (Role.analyst, Role.customer):
        assert_error(_refund(client, role, payment_id, body, "k-refused"), 403)
    # A reason is required; more than the payment has left is refused in words.
    assert_error(_refund(client, Role.support, payment_id, {"amount_cents": 250}, "k0"), 422)
    over = _refund(client, Role.support, payment_id, {**body, "amount_cents": 1001}, "k1")
    error = assert_error(over, 422, "refund_amount")
    assert "1000" in error["message"]
    assert_error(_refund(client, Role.support, payment_id, {**body, "amount_cents": 0}, "k2"), 422)
    assert_error(_refund(client, Role.support, 999_999, body, "k3"), 404)
    assert _stripe_refunds(stripe_standin) == 0 and audit_rows("payments.refund") == []
    assert bs.balance(user_id) == 1200

    # Support refunds $2.50; the same request again (a retry) is the same one refund.
    key = uuid.uuid4().hex
    first = _refund(client, Role.support, payment_id, body, key)
    assert first.status_code == 200, first.text
    again = _refund(client, Role.support, payment_id, body, key)
    assert again.status_code == 200, again.text
    assert again.json()["refund_id"] == first.json()["refund_id"]
    assert (first.json()["replayed"], again.json()["replayed"]) == (False, True)
    assert first.json()["amount_cents"] == 250 and first.json()["user_id"] == user_id
    # The same key with another amount is refused.
    reused = _refund(client, Role.support, payment_id, {**body, "amount_cents": 300}, key)
    assert_error(reused, 409, "key_reused")
    stripe_standin.wait_delivered()
    assert _stripe_refunds(stripe_standin) == 1
    [row] = audit_rows("payments.refund")
    assert (row.target_type, row.target_id, row.target_user_id) == (
        "payment",
        str(payment_id),
        user_id,
    )
    assert row.reason == body["reason"] and row.user_agent == AGENT["User-Agent"]
    assert json.loads(row.after or "{}")["refund_id"] == first.json()["refund_id"]

    # The webhook took back the refund's share once: a quarter of 1,200.
    assert bs.balance(user_id) == 1200 - 300
    assert len(bs.ledger_rows(user_id, "chargeback")) == 1
    charge = {p.kind: p for p in bs.payments(user_id)}["charge"]
    assert (charge.status, charge.amount_refunded_cents) == ("partially_refunded", 250)
    # A retry after the webhook still answers with the first refund.
    late = _refund(client, Role.support, payment_id, body, key)
    assert late.status_code == 200 and late.json()["replayed"] is True
    assert _stripe_refunds(stripe_standin) == 1

    # An admin refunds the rest, with most credits already spent: never below zero.
    set_balance(user_id, 100)
    rest = _refund(client, Role.admin, payment_id, {"reason": "the rest"}, uuid.uuid4().hex)
    assert rest.status_code == 200, rest.text
    assert rest.json()["amount_cents"] == 750
    stripe_standin.wait_delivered()
    assert bs.balance(user_id) == 0
    charge = {p.kind: p for p in bs.payments(user_id) if p.kind == "charge"}["charge"]
    assert charge.status == "refunded" and charge.credits_shortfall == 900 - 100
    assert len(audit_rows("payments.refund")) == 2
    # Nothing is left to refund.
    assert_error(_refund(client, Role.support, payment_id, body, uuid.uuid4().hex), 422)
    assert _stripe_refunds(stripe_standin) == 2
    bs.reconcile_clean()


def test_staff_reads_a_receipt_of_any_user(stripe_standin: StandIn, client: TestClient) -> None:
    _, payment_id = _paid_pack(stripe_standin, "pack_500")
    path = f"/api/v1/staff/payments/{payment_id}/receipt"
    found = client.get(path, headers=bearer(staff(Role.support)))
    assert found.status_code == 302
    assert found.headers["location"].startswith(f"{stripe_standin.url}/receipts/")
    assert_error(client.get(path, headers=bearer(staff(Role.analyst))), 403)
