"""Signing in through the real OAuth flow, and what /signin says when it does not work."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.e2e.conftest import Portal, shot, sign_in, start_sign_in

pytestmark = pytest.mark.e2e


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def test_new_user_signs_in_and_gets_the_signup_bonus(page: Page, portal: Portal) -> None:
    email = _email("new")
    page.goto(portal.url + "/")
    expect(page).to_have_url(re.compile(r"/signin"))
    expect(page.get_by_role("link", name="Sign in with Google")).to_be_visible()
    shot(page, "signin")

    page.get_by_role("link", name="Sign in with Google").click()
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()

    # A new user lands where the work starts, not on the credit ledger.
    expect(page).to_have_url(re.compile(r"/studio$"))
    expect(page.get_by_text("Drop a product photo here")).to_be_visible()
    expect(page.locator("#header-user-email")).to_have_text(email)
    expect(page.locator("#header-credits")).to_have_text("50 credits")
    page.get_by_role("link", name="Account").click()
    history = page.locator("#ledger-table")
    expect(history.get_by_role("row").filter(has_text="Signup bonus")).to_have_count(1)
    expect(history).to_contain_text("+50")
    shot(page, "account")
    assert portal.query("SELECT credits FROM users WHERE email = ?", email) == [(50,)]


def test_deny_on_the_provider_page_explains_and_creates_nobody(page: Page, portal: Portal) -> None:
    email = _email("denied")
    users_before = portal.query("SELECT COUNT(*) FROM users")
    start_sign_in(page, portal)
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Deny").click()

    expect(page).to_have_url(re.compile(r"/signin/?\?error=access_denied"))
    expect(page.get_by_role("alert")).to_contain_text("Sign-in was cancelled")
    expect(page.get_by_role("link", name="Sign in with Google")).to_be_visible()
    shot(page, "signin-denied")
    assert portal.query("SELECT COUNT(*) FROM users") == users_before
    assert portal.query("SELECT id FROM users WHERE email = ?", email) == []


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("mismatching_state", "expired or was started in another tab"),
        ("provider_unavailable", "cannot be reached right now"),
        ("forbidden", "This account has been disabled"),
        ("no_email", "did not share a verified email address"),
        ("server_error", "Sign-in did not complete"),
    ],
)
def test_sign_in_errors_read_plainly(page: Page, portal: Portal, code: str, words: str) -> None:
    page.goto(f"{portal.url}/signin?error={code}")
    expect(page.get_by_role("alert")).to_contain_text(words)


def test_signed_in_visitor_skips_the_sign_in_page(page: Page, portal: Portal) -> None:
    sign_in(page, portal, _email("back"))
    page.goto(portal.url + "/signin?next=/console/users")
    # `next` is honoured, and the console's own guard then applies.
    expect(page).to_have_url(re.compile(r"/account/?\?notice=no_access"))
    page.goto(portal.url + "/")
    expect(page).to_have_url(re.compile(r"/studio$"))


def test_no_click_before_the_page_state_loads_can_lose_where_the_user_was_going(
    page: Page, portal: Portal
) -> None:
    """The page's state (which reads `next`) arrives over the websocket; held back here, as
    a slow connection would. Until it is there, there is no link to click; then the link
    carries `next`, and signing in lands on the page the user asked for."""
    held: list[WebSocketRoute] = []
    page.route_web_socket(re.compile(r"/_event"), lambda ws: held.append(ws))
    email = _email("quick")
    page.goto(portal.url + "/signin?next=/library")
    expect(page.locator("#signin-waiting")).to_be_disabled()
    expect(page.get_by_role("link", name="Sign in with Google")).to_have_count(0)
    shot(page, "signin-waiting")

    held[0].connect_to_server()  # the state arrives
    link = page.get_by_role("link", name="Sign in with Google")
    expect(link).to_have_attribute("href", re.compile(r"next=%2Flibrary$"))
    link.click()
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(re.escape(portal.url + "/library")))
