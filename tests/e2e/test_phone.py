"""Every customer page at phone size (390 × 844) in Chromium: nothing scrolls sideways, the
Account's amounts stay in sight; with screenshots of each page at desktop and phone width
(test-results/e2e/*-desktop.png, *-phone.png) to look at."""

from __future__ import annotations

import re
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


def _header_height(page: Page) -> float:
    box = page.locator("header").first.bounding_box()
    assert box is not None
    return box["height"]


def _open_menu(page: Page) -> None:
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("dialog", name="Menu")).to_be_visible()


def test_the_header_is_one_row_on_a_phone(browser: Browser, page: Page, portal: Portal) -> None:
    email = f"header.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email, name="Alexandra Longname-Example")

    # Desktop: the links, billing, the user and sign-out in the bar; no menu button.
    page.set_viewport_size(DESKTOP)
    page.goto(portal.url + "/studio")
    expect(page.locator("#header-user-email")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    shot(page, "header-desktop", full_page=False)

    # Phone: one row (logo, balance, menu button); the rest opens from the button.
    page.set_viewport_size(PHONE)
    for path in ("/studio", "/library", "/account", "/billing"):
        page.goto(portal.url + path)
        expect(page.locator("#header-credits")).to_be_visible()
        assert _header_height(page) <= 64, path
        assert _width(page) <= PHONE["width"], path
    expect(page.get_by_role("link", name="Library")).to_have_count(0)  # in the closed menu
    _open_menu(page)
    menu = page.get_by_role("dialog", name="Menu")
    expect(menu).to_contain_text(email)
    expect(menu.get_by_role("link", name="Billing")).to_have_attribute("aria-current", "page")
    shot(page, "header-phone-menu", full_page=False)
    assert _width(page) <= PHONE["width"]
    # Keyboard: Escape closes it and gives the focus back to the button.
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.get_by_role("button", name="Menu")).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    menu.get_by_role("link", name="Library").click()
    expect(page).to_have_url(re.compile(r"/library/?$"))
    expect(page.get_by_role("dialog", name="Menu")).to_have_count(0)
    shot(page, "header-phone", full_page=False)
    _open_menu(page)
    page.get_by_role("dialog", name="Menu").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin/?$"))


def test_the_console_header_is_one_row_on_a_phone(browser: Browser, portal: Portal) -> None:
    context = browser.new_context(viewport=PHONE)
    phone = context.new_page()
    sign_in(phone, portal, "admin@v4a.example", path="/console")
    for path in ("/console", "/console/users", "/studio"):
        phone.goto(portal.url + path)
        expect(phone.locator("#header-credits")).to_be_visible()
        assert _header_height(phone) <= 64, path
        assert _width(phone) <= PHONE["width"], path
    _open_menu(phone)
    phone.get_by_role("dialog", name="Menu").get_by_role("link", name="Console").click()
    expect(phone).to_have_url(re.compile(r"/console/?$"))
    expect(phone.locator("#console-title")).to_be_visible()
    shot(phone, "header-phone-console", full_page=False)
    context.close()
