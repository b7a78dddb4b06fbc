"""The account page: the ledger history pages on the server; the header follows the ledger."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.clips import request
from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import make_photos

pytestmark = pytest.mark.e2e

# Posts through the ledger service, as a later feature (scripts, videos, support) would.
_SPEND = """
import sys
from v4a_portal.db import session_scope
from v4a_portal.services import accounts, ledger
with session_scope() as s:
    user_id = accounts.by_email(s, sys.argv[1]).id
for n in range(int(sys.argv[2])):
    ledger.apply(user_id=user_id, delta=1, kind="staff_adjustment", key=f"e2e:{user_id}:{n}",
                 reference=f"ticket:{n}", note="goodwill")
"""


def test_history_pages_and_header_credits_follow_the_ledger(page: Page, portal: Portal) -> None:
    email = f"ledger.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email)
    expect(page.locator("#header-credits")).to_have_text("50 credits")
    expect(page.locator("#pager-range")).to_have_text("1–1 of 1")

    portal.python("-c", _SPEND, email, "25")
    # Client-side navigation (no reload): the guard re-reads the user and the page its rows.
    page.get_by_role("link", name="Account").click()
    expect(page.locator("#header-credits")).to_have_text("75 credits")
    expect(page.locator("#account-balance")).to_have_text("75")
    expect(page.locator("#pager-range")).to_have_text("1–20 of 26")
    rows = page.locator("#ledger-table tbody tr")
    expect(rows.first).to_contain_text("Adjustment by support")
    expect(rows.first).to_contain_text("ticket:24")
    expect(rows.first).to_contain_text("goodwill")

    page.get_by_role("button", name="Next").click()
    expect(page.locator("#pager-range")).to_have_text("21–26 of 26")
    expect(rows).to_have_count(6)
    expect(rows.last).to_contain_text("Signup bonus")
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    assert re.search(r"/account", page.url)


def test_history_says_what_each_entry_paid_for(page: Page, portal: Portal) -> None:
    email = f"reader.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email)
    data = make_photos(portal, email, with_scripts=True)
    photo = data["made"][0]
    first, second = photo["scripts"]
    batch = request(portal, data["user"], photo["image"], second, count=3, cancel=3)
    (single,) = request(portal, data["user"], photo["image"], cancel=1)

    page.get_by_role("link", name="Account").click()
    table = page.locator("#ledger-table")
    expect(table.locator("tbody tr")).to_have_count(9)  # signup, 2 scripts, 2 orders, 4 refunds

    def row(activity: str, reference: str):  # type: ignore[no-untyped-def]
        return table.locator("tbody tr").filter(has_text=activity).filter(has_text=reference)

    expect(row("Ad script written", f"Script #{first}")).to_have_count(1)
    regenerated = row("Ad script regenerated", f"Script #{second}, regenerated from #{first}")
    expect(regenerated).to_have_count(1)
    expect(row("Video generation", "Batch of 3 clips")).to_have_count(1)
    expect(row("Video generation", f"Clip #{single}")).to_have_count(1)
    for clip in (*batch, single):
        expect(row("Refund", f"Clip #{clip}")).to_have_count(1)
    for raw in ("image:", "batch:", "user:", "video:", "script:"):
        expect(table).not_to_contain_text(raw)
    shot(page, "account-history")

    regenerated.get_by_role("link", name=f"Script #{second}, regenerated from #{first}").click()
    expect(page).to_have_url(re.compile(rf"/studio\?photo={photo['image']}&script={second}$"))
    expect(page.locator("#studio-script")).to_contain_text(f"Regenerated from #{first}")
