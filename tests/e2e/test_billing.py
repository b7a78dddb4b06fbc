"""Billing in Chromium against the local Stripe stand-in: a customer short of credits buys a
pack and sees the balance rise; subscribes to Basic, gets the next month at renewal, and
cancels in the portal page; the page at desktop and phone width."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import product_jpeg, user_id

pytestmark = pytest.mark.e2e

_SPEND = """
import sys
from v4a_portal.db import session_scope
from v4a_portal.services import accounts, ledger
with session_scope() as s:
    user_id = accounts.by_email(s, sys.argv[1]).id
ledger.apply(user_id=user_id, delta=-int(sys.argv[2]), kind="staff_adjustment",
             key=f"e2e-spend:{user_id}", note="test")
"""


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def _standin(portal: Portal) -> str:
    return portal.env["V4A_STRIPE_STANDIN_URL"]


def _mark_document(page: Page) -> None:
    """A variable that only survives while this document lives: a reload would drop it."""
    page.evaluate("window.__sameDocument = 'yes'")


def _same_document(page: Page) -> bool:
    return bool(page.evaluate("window.__sameDocument === 'yes'"))


def _pay(page: Page, portal: Portal, button: str) -> None:
    page.locator(f"#{button}").click()
    expect(page).to_have_url(re.compile(re.escape(_standin(portal)) + "/checkout/cs_"))
    expect(page.get_by_text("Test mode · local Stripe stand-in")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    expect(page).to_have_url(re.compile(r"/billing/?\?checkout=success&session_id=cs_"))


def _no_horizontal_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_short_of_credits_buys_a_pack(page: Page, portal: Portal, tmp_path: Path) -> None:
    email = _email("buyer")
    sign_in(page, portal, email, path="/studio")
    page.locator("#studio-photo-step input[type=file]").set_input_files(
        str(product_jpeg(tmp_path / "bottle.jpg"))
    )
    expect(page.locator("#studio-photo-preview")).to_be_visible()
    portal.python("-c", _SPEND, email, "44")  # 50 → 6
    page.get_by_label("Product name").fill("Aurora water bottle")
    page.get_by_role("button", name="Write script").click()
    expect(page.locator("#studio-script-error")).to_contain_text("4 more needed")

    page.locator("#studio-script-buy").click()
    expect(page).to_have_url(re.compile(r"/billing/?$"))
    expect(page.locator("#billing-balance")).to_have_text("6")
    expect(page.locator("#test-mode")).to_be_visible()
    expect(page.locator("#daily-bonus")).to_contain_text("10 free credits")
    expect(page.locator("#product-pack_1200")).to_contain_text("$10.00")
    expect(page.locator("#product-pack_1200")).to_contain_text("120 credits per $")

    # Declining on the checkout page comes back with nothing charged.
    page.locator("#buy-pack_500").click()
    page.get_by_role("button", name="Decline").click()
    expect(page.locator("#checkout-status")).to_have_text("Checkout canceled: nothing was charged.")
    expect(page.locator("#billing-balance")).to_have_text("6")

    _pay(page, portal, "buy-pack_500")
    expect(page.locator("#checkout-status")).to_contain_text("Payment received: 500 credits added")
    expect(page.locator("#billing-balance")).to_have_text("506")
    expect(page.locator("#header-credits")).to_have_text("506 credits")
    row = page.locator(".payment-row").first
    expect(row).to_contain_text("500 credits pack")
    expect(row).to_contain_text("$5.00")
    expect(row).to_contain_text("Paid")
    expect(row.get_by_role("link", name="Receipt")).to_have_attribute(
        "href", re.compile(r"/api/v1/billing/payments/\d+/receipt")
    )
    shot(page, "billing-pack-bought")
    owner = user_id(portal, email)
    assert portal.query("SELECT credits FROM users WHERE id = ?", owner) == [(506,)]


def test_subscribe_renew_and_cancel(page: Page, portal: Portal) -> None:
    email = _email("subscriber")
    sign_in(page, portal, email, path="/billing")
    expect(page.locator("#plan-name")).to_have_text("No subscription")
    _pay(page, portal, "buy-basic")
    expect(page.locator("#checkout-status")).to_contain_text("1,500 credits added")
    expect(page.locator("#plan-name")).to_have_text("Basic plan")
    expect(page.locator("#plan-status")).to_have_text("Active")
    expect(page.locator("#plan-when")).to_contain_text("Renews on")
    expect(page.locator("#billing-balance")).to_have_text("1550")
    expect(page.locator("#current-basic")).to_be_visible()

    # The stand-in's test clock: the next month, paid; the page shows it by itself.
    _mark_document(page)
    owner = user_id(portal, email)
    [(sub_id,)] = portal.query("SELECT id FROM subscriptions WHERE user_id = ?", owner)
    renewed = httpx.post(f"{_standin(portal)}/_standin/subscriptions/{sub_id}/renew")
    assert renewed.status_code == 200, renewed.text
    expect(page.locator("#billing-balance")).to_have_text("3050")
    expect(page.locator("#header-credits")).to_have_text("3050 credits")
    expect(page.locator(".payment-row")).to_have_count(2)
    assert _same_document(page)
    shot(page, "billing-subscribed")

    page.locator("#manage-subscription").click()
    expect(page).to_have_url(re.compile(re.escape(_standin(portal)) + "/portal/bps_"))
    page.get_by_role("button", name="Cancel subscription").click()
    expect(page.get_by_text("Cancels on")).to_be_visible()
    page.get_by_role("link", name="Return to V4A Portal").click()
    expect(page).to_have_url(re.compile(r"/billing/?$"))
    expect(page.locator("#plan-when")).to_contain_text("Ends on")
    expect(page.locator("#plan-status")).to_have_text("Active")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#billing-balance")).to_be_visible()
    _no_horizontal_scroll(page)
    shot(page, "billing-390")
    page.set_viewport_size({"width": 1280, "height": 860})
    shot(page, "billing-desktop")
