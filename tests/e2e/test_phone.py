"""Every customer page at phone size (390 × 844) in Chromium: nothing scrolls sideways, the
Account's amounts stay in sight; with screenshots of each page at desktop and phone width
(test-results/e2e/*-desktop.png, *-phone.png) to look at."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.clips import request
from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import make_photos

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

# Where each page is and what shows that its data has arrived.
PAGES = [
    ("studio", "/studio", "#studio-photo-step"),
    ("studio-work", "/studio?script={script}", "#studio-script"),
    ("library", "/library", ".library-photo"),
    ("library-scripts", "/library?tab=scripts", ".library-script-card"),
    ("library-videos", "/library?tab=videos", ".clip-card"),
    ("library-videos-failed", "/library?tab=videos&status=canceled", ".clip-card"),
    ("account", "/account", "#ledger-cards:visible, #ledger-table:visible"),
]


def _width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def _settled(page: Page, ready: str) -> None:
    expect(page.locator(ready).first).to_be_visible()
    page.wait_for_load_state("networkidle")


def test_no_customer_page_scrolls_sideways_on_a_phone(
    browser: Browser, page: Page, portal: Portal
) -> None:
    email = f"phone.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email, name="Alexandra Longname-Example")
    data = make_photos(portal, email, count=2, with_scripts=True)
    photo = data["made"][0]
    script = photo["scripts"][1]
    request(portal, data["user"], photo["image"], script, count=2, cancel=2)
    request(portal, data["user"], photo["image"], cancel=1)

    too_wide = {}
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, path, ready in PAGES:
            page.goto(portal.url + path.format(script=script))
            _settled(page, ready)
            shot(page, f"{name}-{size_name}")
            if size_name == "phone" and _width(page) > PHONE["width"]:
                too_wide[name] = _width(page)
    assert too_wide == {}, f"pages wider than {PHONE['width']} px: {too_wide}"

    # The Account on a phone: one card per entry, the amounts in sight.
    page.goto(portal.url + "/account")
    cards = page.locator("#ledger-cards .ledger-card")
    expect(cards.first).to_be_visible()
    expect(page.locator("#ledger-table")).to_be_hidden()
    expect(cards.filter(has_text="Signup bonus")).to_contain_text("+50")
    for amount in cards.locator(".rt-Text").filter(has_text="−").all()[:3]:
        box = amount.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]

    # Signed out: the sign-in page.
    context = browser.new_context(viewport=PHONE)
    signed_out = context.new_page()
    signed_out.goto(portal.url + "/signin")
    expect(signed_out.get_by_role("link", name="Sign in with Google")).to_be_visible()
    shot(signed_out, "signin-phone")
    assert _width(signed_out) <= PHONE["width"]
    context.close()
