"""The staff console in Chromium: each role's navigation and buttons, the overview, a user's
detail with a credit adjustment (balance before and after, then the ledger row), refund and
retry of clips (the customer's Library shows the retry live), the queues page with a
worker on its job, audit filters, and the not-found page; screenshots at 1280 and 390 px."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.clips import cancel_clips, request, video_row
from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import make_photos

pytestmark = pytest.mark.e2e

SUPPORT, ANALYST, ADMIN = "support@v4a.example", "analyst@v4a.example", "admin@v4a.example"
PHONE = {"width": 390, "height": 844}
SECTIONS = {"Overview", "Users", "Clips", "Queues", "Audit log"}
VISIBLE = {
    SUPPORT: SECTIONS,
    ANALYST: {"Overview", "Users", "Clips"},
    ADMIN: SECTIONS,
}

# Staff actions through the services, as a support member would take them in the console.
_ACT = """
import json, sys
from v4a_portal.db import session_scope
from v4a_portal.services import accounts
from v4a_portal.services.console import staff_accounts, staff_credits
from v4a_portal.services.console.context import StaffContext

actor_email, target = sys.argv[1], int(sys.argv[2])
with session_scope() as s:
    actor = accounts.by_email(s, actor_email)
ctx = StaffContext(actor=actor, ip="203.0.113.9", user_agent="e2e")
staff_credits.adjust(ctx, target, 15, "goodwill", "late clip", staff_credits.new_key())
staff_accounts.sign_out_everywhere(ctx, target, "lost laptop")
print(json.dumps({"actor": actor.id}))
"""


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture
def phone(browser: Browser, portal: Portal) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    context.route(re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])"), lambda r: r.abort())
    yield context.new_page()
    context.close()


def _second(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.route(re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])"), lambda r: r.abort())
    return context


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide at {PHONE['width']}px"


def _nav(page: Page) -> set[str]:
    return {t.strip() for t in page.locator("#console-nav a").all_inner_texts()}


def _wait_for(portal: Portal, video_id: int, statuses: set[str], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while (status := video_row(portal, video_id)[0]) not in statuses:
        assert time.monotonic() < deadline, f"clip {video_id} still {status}"
        time.sleep(0.5)


@pytest.mark.parametrize("email", [SUPPORT, ANALYST, ADMIN])
def test_each_role_sees_only_its_sections(page: Page, portal: Portal, email: str) -> None:
    sign_in(page, portal, email, path="/console")
    expect(page.locator("#console-title")).to_have_text("Today")
    expect(page.locator("#stat-running")).to_be_visible()
    assert _nav(page) == VISIBLE[email]
    sections = {t.split("\n")[0] for t in page.locator("#console-sections a").all_inner_texts()}
    assert sections == VISIBLE[email] - {"Overview"}
    shot(page, f"console-overview-{email.split('@')[0]}")
    if email == ANALYST:
        # A section the role may not open sends it away with the notice, before any data.
        page.goto(portal.url + "/console/queues")
        expect(page).to_have_url(re.compile(r"/account/?\?notice=no_access"))
        expect(page.locator("#page-notice")).to_contain_text("for staff accounts")
        page.goto(portal.url + "/console/audit")
        expect(page).to_have_url(re.compile(r"/account/?\?notice=no_access"))


def test_customer_is_sent_away_from_every_console_page(page: Page, portal: Portal) -> None:
    sign_in(page, portal, _email("nosy"))
    expect(page.get_by_role("link", name="Console")).to_have_count(0)
    for path in [
        "/console",
        "/console/clips",
        "/console/queues",
        "/console/audit",
        "/console/users/1",
    ]:
        page.goto(portal.url + path)
        expect(page).to_have_url(re.compile(r"/account/?\?notice=no_access"))
        expect(page.locator("#page-notice")).to_be_visible()


def test_user_detail_and_credit_adjustment(page: Page, portal: Portal, phone: Page) -> None:
    customer = _email("ticket")
    sign_in(phone, portal, customer)  # creates the account (50 credits)
    (user_id,) = portal.query("SELECT id FROM users WHERE email = ?", customer)[0]
    make_photos(portal, customer, count=1, with_scripts=True)

    sign_in(page, portal, SUPPORT, path="/console/users")
    page.get_by_role("searchbox", name="Search users").fill(customer)
    page.get_by_role("link", name=customer).click()
    expect(page).to_have_url(re.compile(rf"/console/users/{user_id}"))
    expect(page.locator("#user-balance")).to_have_text("30 credits")  # 50 − two scripts
    expect(page.locator("#ledger-table tbody tr")).to_have_count(3)
    # Support adjusts and signs out; account actions are the admin's: absent, not disabled.
    actions = page.locator("#user-actions")
    expect(actions.get_by_role("button", name="Adjust credits")).to_be_visible()
    expect(actions.get_by_role("button", name="Sign out everywhere")).to_be_visible()
    expect(actions.get_by_role("button", name="Disable")).to_have_count(0)
    expect(actions.get_by_role("button", name="Change role")).to_have_count(0)
    shot(page, "console-user-ledger")

    actions.get_by_role("button", name="Adjust credits").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_role("textbox", name="Amount").fill("-45")
    expect(dialog.locator("#adjust-error")).to_contain_text("at most 30 credits")
    expect(dialog.get_by_role("button", name="Confirm adjustment")).to_be_disabled()
    shot(page, "console-adjust-refused", full_page=False)
    dialog.get_by_role("textbox", name="Amount").fill("25")
    dialog.get_by_role("textbox", name="Reason").fill("Ticket 4411: clip late")
    expect(dialog.locator("#adjust-before")).to_have_text("30")
    expect(dialog.locator("#adjust-after")).to_have_text("55")
    shot(page, "console-adjust-confirm", full_page=False)
    confirm = dialog.get_by_role("button", name="Confirm adjustment")
    confirm.dblclick()  # a double click is one adjustment

    expect(page.locator("#action-done")).to_contain_text("30 → 55")
    expect(page.locator("#user-balance")).to_have_text("55 credits")
    newest = page.locator("#ledger-table tbody tr").first
    expect(newest).to_contain_text("+25")
    expect(newest).to_contain_text("Ticket 4411: clip late")
    expect(newest).to_contain_text(SUPPORT)
    (adjustments,) = portal.query(
        "SELECT COUNT(*) FROM credit_ledger WHERE user_id = ? AND kind = 'staff_adjustment'",
        user_id,
    )[0]
    assert adjustments == 1

    page.get_by_role("tab", name="Photos").click()
    expect(page.locator("#user-tabs")).to_contain_text("2 scripts · 0 clips")
    page.get_by_role("tab", name="Scripts").click()
    expect(page.locator("#user-tabs [id^=script-]")).to_have_count(2)
    expect(page.locator("#user-tabs")).to_contain_text("Regenerates #")
    expect(page.locator("#user-tabs")).to_contain_text("Photo #")
    page.get_by_role("tab", name="Sign-ins").click()
    expect(page.locator("#user-tabs")).to_contain_text("Browser session")
    page.get_by_role("tab", name="Clips").click()
    expect(page.locator("#user-tabs")).to_contain_text("No clips")
    shot(page, "console-user-clips-empty")

    phone.goto(f"{portal.url}/console/users/{user_id}")  # the customer may not
    expect(phone).to_have_url(re.compile(r"notice=no_access"))
    phone.context.clear_cookies()  # signed out
    sign_in(phone, portal, ADMIN, path=f"/console/users/{user_id}")
    expect(phone.locator("#user-balance")).to_have_text("55 credits")
    expect(phone.get_by_role("button", name="Disable")).to_be_visible()
    expect(phone.get_by_role("button", name="Change role")).to_be_visible()
    _no_sideways_scroll(phone)
    shot(phone, "console-user-phone")


def test_analyst_reads_without_money_or_buttons(page: Page, portal: Portal) -> None:
    sign_in(page, portal, ANALYST, path="/console/users/1")
    expect(page.locator("#user-profile")).to_be_visible()
    expect(page.locator("#user-balance")).to_have_count(0)
    expect(page.get_by_role("tab", name="Credits")).to_have_count(0)
    expect(page.locator("#user-actions button")).to_have_count(0)
    page.goto(portal.url + "/console/users/999999")
    expect(page.locator("#user-missing")).to_contain_text("No such user")
    shot(page, "console-user-missing")


def test_refund_and_retry_reach_the_customer(
    page: Page, portal: Portal, browser: Browser, phone: Page
) -> None:
    customer = _email("refundee")
    theirs = _second(browser)
    library = theirs.new_page()
    sign_in(library, portal, customer)
    made = make_photos(portal, customer)
    user, image = made["user"], made["made"][0]["image"]
    done = request(portal, user, image)[0]
    canceled = request(portal, user, image, cancel=1)[0]
    _wait_for(portal, done, {"completed"})
    try:
        sign_in(page, portal, SUPPORT, path=f"/console/users/{user}")
        page.goto(f"{portal.url}/console/users/{user}?tab=clips")
        clip = page.locator(f"#clip-{done}")
        expect(clip).to_contain_text("Ready")
        expect(page.locator(f"#clip-{canceled}")).to_contain_text("Canceled")
        expect(
            page.locator(f"#clip-{canceled}").get_by_role("button", name="Refund")
        ).to_have_count(0)
        shot(page, "console-user-clips")

        clip.get_by_role("button", name="Refund").click()
        dialog = page.get_by_role("alertdialog")
        dialog.get_by_role("textbox", name="Reason").fill("Wrong product shown")
        dialog.get_by_role("button", name="Refund").click()
        expect(page.locator("#clip-done")).to_contain_text(f"Clip #{done} refunded: 4 credits")
        expect(clip).to_contain_text("Refunded")
        expect(clip.get_by_role("button", name="Refund")).to_have_count(0)
        assert video_row(portal, done)[3] == 1

        page.locator(f"#clip-{canceled}").get_by_role("button", name="Retry").click()
        dialog = page.get_by_role("alertdialog")
        expect(dialog.get_by_role("radio", name=re.compile("Waived"))).to_be_checked()
        dialog.get_by_role("textbox", name="Reason").fill("Customer asked again")
        shot(page, "console-retry-confirm", full_page=False)
        dialog.get_by_role("button", name="Retry").click()
        expect(page.locator("#clip-done")).to_contain_text(f"Clip #{canceled} retried as clip #")
        (retry,) = portal.query("SELECT id FROM videos WHERE retry_of_id = ?", canceled)[0]
        expect(page.locator(f"#clip-{retry}")).to_contain_text(f"Retry of #{canceled}")

        # The customer's Library has the new clip and follows it to the end, live.
        library.goto(f"{portal.url}/library?tab=videos")
        card = library.locator(f".clip-card[data-video-id='{retry}']")
        expect(card).to_be_visible()
        expect(card).to_have_attribute("data-status", "completed", timeout=120_000)
        # ... as does the console, without a reload.
        expect(page.locator(f"#clip-{retry}")).to_have_attribute("data-status", "completed")

        sign_in(phone, portal, SUPPORT, path="/console/clips")
        phone.goto(f"{portal.url}/console/clips?user={user}")
        expect(phone.locator(".console-clip")).to_have_count(3)
        _no_sideways_scroll(phone)
        shot(phone, "console-clips-phone")
    finally:
        theirs.close()


def test_clips_filters_and_bulk_preview(page: Page, portal: Portal) -> None:
    sign_in(page, portal, SUPPORT, path="/console/clips")
    expect(page.locator("#clip-filters")).to_be_visible()
    shot(page, "console-clips")
    page.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name="Failed").click()
    expect(page.locator("#clips-range")).to_be_visible()
    page.get_by_role("textbox", name="User id").fill("999999")
    expect(page.get_by_text("No clips match")).to_be_visible()
    shot(page, "console-clips-empty")
    page.get_by_role("button", name="Bulk retry…").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog.locator("#bulk-preview")).to_contain_text("0 failed clips")
    expect(dialog.get_by_role("button", name=re.compile("Retry 0 clips"))).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()


def test_queues_page_shows_a_worker_on_its_clip(page: Page, portal: Portal, phone: Page) -> None:
    customer = _email("queued")
    sign_in(phone, portal, customer)
    made = make_photos(portal, customer)
    user, image = made["user"], made["made"][0]["image"]
    ids = request(portal, user, image, duration=12)
    try:
        sign_in(page, portal, SUPPORT, path="/console/queues")
        expect(page.locator("#queue-videos")).to_be_visible()
        job = page.locator(".worker .worker-job").filter(has_text=f"clip #{ids[0]}")
        expect(job).to_be_visible(timeout=60_000)  # the page refreshes itself
        expect(page.locator(".worker").first).to_contain_text("busy")
        expect(page.locator("#throughput-chart .main-svg").first).to_be_visible(timeout=30_000)
        shot(page, "console-queues")
        phone.context.clear_cookies()  # the customer signs out; an admin signs in
        sign_in(phone, portal, ADMIN, path="/console/queues")
        expect(phone.locator("#queue-videos")).to_be_visible()
        expect(phone.locator("#throughput-chart .main-svg").first).to_be_visible(timeout=30_000)
        _no_sideways_scroll(phone)
        shot(phone, "console-queues-phone")
    finally:
        cancel_clips(portal, user, ids)


def test_audit_filters_and_csv_link(page: Page, portal: Portal, phone: Page) -> None:
    target_email = _email("audited")
    sign_in(phone, portal, target_email)
    (target,) = portal.query("SELECT id FROM users WHERE email = ?", target_email)[0]
    actor = json.loads(portal.python("-c", _ACT, SUPPORT, str(target)).strip())["actor"]

    sign_in(page, portal, ADMIN, path="/console/audit")
    entries = page.locator(".audit-entry")
    expect(entries.first).to_be_visible()
    page.get_by_role("textbox", name="Target user").fill(str(target))
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("Signed out everywhere")
    expect(entries.first).to_contain_text("“lost laptop”")
    expect(entries.first).to_contain_text("203.0.113.9")
    page.get_by_role("combobox", name="Action").click()
    page.get_by_role("option", name="Credit adjustment").click()
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("credits:")
    expect(entries.first).to_contain_text(SUPPORT)
    href = page.locator("#audit-csv").get_attribute("href") or ""
    assert "format=csv" in href and "action=credits.adjust" in href
    assert f"target_user_id={target}" in href
    shot(page, "console-audit")
    page.get_by_role("textbox", name="Actor").fill(str(actor + 100000))
    expect(page.locator("#audit-empty")).to_contain_text("Nothing matches")
    shot(page, "console-audit-empty")

    phone.context.clear_cookies()
    # Support reads its own actions, and the rows about a user it opens.
    sign_in(phone, portal, SUPPORT, path=f"/console/users/{target}")
    phone.get_by_role("link", name="Audit log of this user").click()
    expect(phone).to_have_url(re.compile(rf"/console/audit/?\?target={target}"))
    expect(phone.locator(".audit-entry")).to_have_count(2)
    _no_sideways_scroll(phone)
    shot(phone, "console-audit-phone")


def test_not_found_page(page: Page, portal: Portal, phone: Page) -> None:
    page.goto(portal.url + "/no/such/page")
    expect(page.locator("#not-found")).to_contain_text("This page does not exist")
    expect(page.get_by_role("link", name="Go home")).to_be_visible()
    shot(page, "not-found-signed-out")
    sign_in(phone, portal, SUPPORT, path="/console")
    phone.goto(portal.url + "/console/nothing-here")
    expect(phone.locator("#not-found")).to_be_visible()
    expect(phone.locator("#header-user-email")).to_have_count(1)  # the header is there
    phone.get_by_role("link", name="Back to your account").click()
    expect(phone).to_have_url(re.compile(r"/account"))
    phone.go_back()
    _no_sideways_scroll(phone)
    shot(phone, "not-found-phone")


def test_console_pages_fit_a_phone(phone: Page, portal: Portal) -> None:
    sign_in(phone, portal, ADMIN, path="/console")
    for path, name in [
        ("/console", "console-overview-phone"),
        ("/console/users", "console-users-phone"),
        ("/console/clips", "console-clips-all-phone"),
    ]:
        phone.goto(portal.url + path)
        expect(phone.locator("#console-title")).to_be_visible()
        phone.wait_for_timeout(500)
        _no_sideways_scroll(phone)
        shot(phone, name)
