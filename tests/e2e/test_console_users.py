"""Staff console → Users: who may see it, and search, paging and sorting on the server."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Portal, shot, sign_in

pytestmark = pytest.mark.e2e

SEEDED_ADMIN = "admin@v4a.example"


def _first_email(page: Page) -> str:
    return page.locator("#users-table tbody tr").first.locator("th").inner_text()


def _header(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("#users-table thead th").filter(has_text=name)


def test_customer_is_sent_to_account_and_never_gets_the_list(page: Page, portal: Portal) -> None:
    received: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: received.append(str(f))))
    sign_in(page, portal, f"curious.{uuid.uuid4().hex[:8]}@example.com")
    expect(page.get_by_role("link", name=re.compile("Users"))).to_have_count(0)

    page.goto(portal.url + "/console/users")

    expect(page).to_have_url(re.compile(r"/account/?\?notice=no_access"))
    expect(page.locator("#page-notice")).to_contain_text("for staff accounts")
    expect(page.locator("#users-table")).to_have_count(0)
    page.wait_for_timeout(500)  # let any late event arrive before checking what was sent
    assert not any(SEEDED_ADMIN in frame for frame in received)


@pytest.mark.parametrize("email", ["support@v4a.example", "analyst@v4a.example", SEEDED_ADMIN])
def test_staff_roles_see_the_users_list(page: Page, portal: Portal, email: str) -> None:
    (total,) = portal.query("SELECT COUNT(*) FROM users")[0]
    sign_in(page, portal, email, path="/console/users")
    expect(page.get_by_role("link", name=re.compile("Users"))).to_be_visible()
    expect(page.locator("#users-table tbody tr")).to_have_count(20)
    expect(page.locator("#pager-range")).to_have_text(f"1–20 of {total}")
    if email == SEEDED_ADMIN:
        shot(page, "console-users")


def test_search_paging_and_sort(page: Page, portal: Portal) -> None:
    sign_in(page, portal, "support@v4a.example", path="/console/users")
    (total,) = portal.query("SELECT COUNT(*) FROM users")[0]
    rows = page.locator("#users-table tbody tr")
    expect(page.locator("#pager-range")).to_have_text(f"1–20 of {total}")

    # Paging: newest first by default, 20 a page.
    newest = portal.query("SELECT email FROM users ORDER BY created_at DESC, id DESC")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#pager-range")).to_have_text(f"21–40 of {total}")
    expect(rows.first.locator("th")).to_have_text(newest[20][0])
    page.get_by_role("button", name="Previous").click()
    expect(page.locator("#pager-range")).to_have_text(f"1–20 of {total}")
    expect(rows.first.locator("th")).to_have_text(newest[0][0])

    # Sort: a new column starts A→Z for text; clicking again reverses it.
    by_email = [e for (e,) in portal.query("SELECT email FROM users ORDER BY email")]
    page.get_by_role("button", name="Email").click()
    expect(_header(page, "Email")).to_have_attribute("aria-sort", "ascending")
    expect(rows.first.locator("th")).to_have_text(by_email[0])
    page.get_by_role("button", name="Email").click()
    expect(_header(page, "Email")).to_have_attribute("aria-sort", "descending")
    expect(rows.first.locator("th")).to_have_text(by_email[-1])
    page.get_by_role("button", name="Credits").click()
    (richest,) = portal.query("SELECT MAX(credits) FROM users")[0]
    expect(rows.first.locator("td").nth(1)).to_have_text(str(richest))

    # Search narrows to emails or names containing the text, on the server.
    (matches,) = portal.query(
        "SELECT COUNT(*) FROM users WHERE lower(email) LIKE '%chen%' OR lower(name) LIKE '%chen%'"
    )[0]
    assert 0 < matches < 20
    page.get_by_role("searchbox", name="Search users").fill("Chen")
    expect(page.locator("#pager-range")).to_have_text(f"1–{matches} of {matches}")
    expect(rows).to_have_count(matches)
    for text in rows.all_inner_texts():
        assert "chen" in text.lower()
    shot(page, "console-users-search")

    page.get_by_role("searchbox", name="Search users").fill("no-such-person-xyz")
    expect(page.get_by_text("No users found")).to_be_visible()
    expect(page.locator("#users-table")).to_have_count(0)
