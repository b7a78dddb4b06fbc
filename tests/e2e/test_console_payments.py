"""A support member refunds part of a customer's payment from the console's user page, in
Chromium against the Stripe stand-in: the confirmation dialog, then the payment marked
refunded and the balance lower once the `charge.refunded` webhook has come; the tab at
desktop and phone width."""

from __future__ import annotations

import re
import time
import uuid

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import user_id

pytestmark = pytest.mark.e2e

SUPPORT = "support@v4a.example"

_CHECKOUT = """
import sys
from v4a_portal.services import billing
print(billing.start_checkout(int(sys.argv[1]), sys.argv[2]))
"""


def _paid_pack(portal: Portal, owner: int, code: str) -> int:
    """The customer pays `code` on the stand-in's checkout page; the payment's id once the
    webhook has recorded it."""
    url = portal.python("-c", _CHECKOUT, str(owner), code).strip().splitlines()[-1]
    assert httpx.post(f"{url}/pay").status_code == 303
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        rows = portal.query("SELECT id FROM payments WHERE user_id = ? AND status = 'paid'", owner)
        if rows:
            return int(rows[0][0])
        time.sleep(0.2)
    raise AssertionError("the stand-in's webhook did not record the payment")


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_support_refunds_part_of_a_payment(page: Page, portal: Portal, browser: Browser) -> None:
    email = f"refundee.{uuid.uuid4().hex[:8]}@example.com"
    customer = browser.new_context(viewport={"width": 1280, "height": 860})
    sign_in(customer.new_page(), portal, email)  # a new account: 50 credits
    customer.close()
    owner = user_id(portal, email)
    payment = _paid_pack(portal, owner, "pack_1200")  # $10.00 for 1,200 credits

    sign_in(page, portal, SUPPORT, path=f"/console/users/{owner}")
    expect(page.locator("#user-balance")).to_contain_text("1250")
    page.get_by_role("tab", name="Payments").click()
    row = page.locator(f"#payment-{payment}")
    expect(row).to_contain_text("1,200 credits pack")
    expect(row).to_contain_text("$10.00")
    expect(row.locator(".pay-status")).to_have_text("Paid")
    expect(row.get_by_role("link", name="Receipt")).to_have_attribute(
        "href", re.compile(rf"/api/v1/staff/payments/{payment}/receipt")
    )
    expect(page.locator("#user-subscription")).to_contain_text("No subscription")

    # The dialog: the whole amount left to start with, a reason required.
    page.locator(f"#refund-{payment}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("$10.00 left to refund")
    amount = dialog.get_by_label("Refund amount")
    expect(amount).to_have_value("10.00")
    confirm = dialog.locator("#confirm-refund")
    expect(confirm).to_be_disabled()
    amount.fill("12")
    expect(dialog.locator("#refund-error")).to_contain_text("At most $10.00")
    amount.fill("2.50")
    dialog.get_by_label("Reason").fill("ticket #4711: two clips were not usable")
    expect(confirm).to_be_enabled()
    shot(page, "console-refund-dialog", full_page=False)
    confirm.click()
    expect(dialog).to_be_hidden()

    # The webhook comes: a quarter of the money back, a quarter of 1,200 credits taken.
    expect(page.locator("#refund-done")).to_contain_text("Refund confirmed by Stripe")
    expect(row.locator(".pay-status")).to_have_text("Partly refunded")
    expect(row.locator(".pay-refunded")).to_contain_text("$2.50 refunded")
    expect(row.locator(".pay-refunded")).to_contain_text("300 credits taken back")
    expect(page.locator("#user-balance")).to_contain_text("950")
    assert portal.query("SELECT credits FROM users WHERE id = ?", owner) == [(950,)]
    [(actor, reason)] = portal.query(
        "SELECT actor_id, reason FROM audit_log WHERE action = 'payments.refund' AND target_id = ?",
        str(payment),
    )
    assert reason.startswith("ticket #4711") and actor == user_id(portal, SUPPORT)
    shot(page, "console-payments-desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(row).to_be_visible()
    _no_horizontal_scroll(page)
    shot(page, "console-payments-390")
    page.locator(f"#refund-{payment}").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    _no_horizontal_scroll(page)
    shot(page, "console-refund-dialog-390", full_page=False)
