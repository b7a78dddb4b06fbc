"""The console's confirmation dialogs clicked through in Chromium: a staff cancel of an active
clip, a bulk retry (preview, confirm, a double submit that retries once), and an admin's
disable, enable, sign-out-everywhere and role change (and the last admin kept). Each checks
the effect in the database and exactly one audit row; each dialog and the page after it are
shot at 1280 and 390 px."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.clips import cancel_clips, request
from tests.e2e.conftest import Portal, shot, sign_in, start_sign_in
from tests.e2e.media import make_photos

pytestmark = pytest.mark.e2e

SUPPORT, ADMIN = "support@v4a.example", "admin@v4a.example"
PHONE = {"width": 390, "height": 844}
_OUTSIDE = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")

# Orders draft clips and fails them while they wait (a provider's permanent error: failed,
# refunded). Prints the ids as JSON.
_FAILED = """
import json, sys
from v4a_portal.models import VideoStatus
from v4a_portal.services import videos
from v4a_portal.services.videos import transitions

user, image, count = (int(a) for a in sys.argv[1:4])
ids = videos.request(user, image, None, "Slow push-in", "draft", 4, "720x1280", count).video_ids
for video_id in ids:
    transitions.finish(video_id, VideoStatus.failed, "provider_outage", "The provider was down.")
print(json.dumps(ids))
"""


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def _context(browser: Browser, viewport: dict[str, int] | None = None) -> BrowserContext:
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860})
    context.route(_OUTSIDE, lambda route: route.abort())
    return context


@pytest.fixture
def phone(browser: Browser, portal: Portal) -> Iterator[Page]:
    context = _context(browser, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def customer_page(browser: Browser, portal: Portal) -> Iterator[Page]:
    """The customer's own browser."""
    context = _context(browser)
    yield context.new_page()
    context.close()


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"  # type: ignore[index]


def _dialog_fits(page: Page) -> None:
    """The dialog and its buttons lie inside the window, and the buttons on one line."""
    dialog = page.get_by_role("alertdialog")
    # Measured once its opening animation (a scale-in) has finished, not half-way through.
    dialog.evaluate("el => Promise.all(el.getAnimations({subtree: true}).map(a => a.finished))")
    box = dialog.bounding_box()
    window = page.viewport_size
    assert box is not None and window is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= window["width"], box
    buttons = [b.bounding_box() for b in dialog.locator("button").all()[-2:]]
    assert buttons[0] and buttons[1]
    assert abs(buttons[0]["y"] - buttons[1]["y"]) < 2, buttons  # one row, aligned
    assert buttons[1]["x"] + buttons[1]["width"] <= box["x"] + box["width"], buttons
    _no_sideways_scroll(page)


def _audit(portal: Portal, action: str, target: int) -> list[tuple]:
    return portal.query(
        "SELECT actor_id, reason, before, after FROM audit_log WHERE action = ? AND target_id = ?",
        action,
        str(target),
    )


def _user_id(portal: Portal, email: str) -> int:
    return portal.query("SELECT id FROM users WHERE email = ?", email)[0][0]


def test_staff_cancel_of_an_active_clip(
    page: Page, portal: Portal, phone: Page, customer_page: Page
) -> None:
    customer = _email("stopped")
    sign_in(customer_page, portal, customer)
    made = make_photos(portal, customer)
    user, image = made["user"], made["made"][0]["image"]
    ids: list[int] = []
    try:
        for who, screen, name in (
            (page, "desktop", "console-cancel"),
            (phone, "phone", "console-cancel-phone"),
        ):
            sign_in(who, portal, SUPPORT, path="/console")
            # Ordered once staff are signed in, so it is still queued or rendering (12 s).
            (clip_id,) = request(portal, user, image, duration=12)
            ids.append(clip_id)
            who.goto(f"{portal.url}/console/clips?user={user}")
            clip = who.locator(f"#clip-{clip_id}")
            expect(clip).to_have_attribute("data-status", re.compile("pending|processing"))
            clip.get_by_role("button", name="Cancel", exact=True).click()
            dialog = who.get_by_role("alertdialog")
            expect(dialog).to_contain_text(f"Clip #{clip_id} stops")
            confirm = dialog.get_by_role("button", name="Cancel clip")
            expect(confirm).to_be_disabled()  # the reason is required
            dialog.get_by_role("textbox", name="Reason").fill(f"Customer asked by phone ({screen})")
            _dialog_fits(who)
            shot(who, f"{name}-dialog", full_page=False)
            confirm.click()
            expect(dialog).to_have_count(0)
            expect(who.locator("#clip-done")).to_have_text(
                f"Clip #{clip_id} canceled and refunded."
            )
            expect(clip).to_have_attribute("data-status", "canceled")
            expect(clip).to_contain_text("Refunded")
            expect(clip.get_by_role("button", name="Cancel", exact=True)).to_have_count(0)
            _no_sideways_scroll(who)
            shot(who, f"{name}-done")
    finally:
        cancel_clips(portal, user, ids)

    (support_id,) = portal.query("SELECT id FROM users WHERE email = ?", SUPPORT)[0]
    for clip_id in ids:
        status, refunded = portal.query(
            "SELECT status, refunded_at IS NOT NULL FROM videos WHERE id = ?", clip_id
        )[0]
        assert (status, refunded) == ("canceled", 1)
        refunds = portal.query(
            "SELECT delta FROM credit_ledger WHERE idempotency_key = ?", f"refund:video:{clip_id}"
        )
        assert refunds == [(12,)]  # once
        [(actor, reason, before, after)] = _audit(portal, "videos.cancel", clip_id)
        assert actor == support_id and reason.startswith("Customer asked by phone")
        assert json.loads(before)["status"] in ("pending", "processing")
        assert json.loads(after)["status"] == "canceled"
    assert portal.query("SELECT credits FROM users WHERE id = ?", user) == [(50,)]


def test_bulk_retry_previews_then_retries_each_clip_once(
    page: Page, portal: Portal, phone: Page, customer_page: Page
) -> None:
    customer = _email("outage")
    sign_in(customer_page, portal, customer)
    made = make_photos(portal, customer)
    user, image = made["user"], made["made"][0]["image"]
    failed = json.loads(
        portal.python("-c", _FAILED, str(user), str(image), "2").strip().splitlines()[-1]
    )

    sign_in(page, portal, SUPPORT, path="/console/clips")
    page.get_by_role("combobox", name="Status").click()
    page.get_by_role("option", name="Failed").click()
    page.get_by_role("textbox", name="User id").fill(str(user))
    expect(page.locator(".console-clip")).to_have_count(2)
    page.get_by_role("button", name="Bulk retry…").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog.locator("#bulk-preview")).to_contain_text("2 failed clips")
    expect(dialog.locator("#bulk-preview")).to_contain_text("8 credits")
    confirm = dialog.get_by_role("button", name="Retry 2 clips")
    expect(confirm).to_be_disabled()  # the reason is required
    dialog.get_by_role("textbox", name="Reason").fill("Draft renderer outage 14:00-14:20")
    _dialog_fits(page)
    shot(page, "console-bulk-dialog", full_page=False)
    confirm.dblclick()  # submitted twice: one bulk retry
    expect(page.locator("#bulk-done")).to_have_text("2 clips retried.")
    _no_sideways_scroll(page)
    shot(page, "console-bulk-done")

    retries = portal.query(
        "SELECT retry_of_id, charge_waived, credits_used FROM videos WHERE retry_of_id IN (?, ?)"
        " ORDER BY retry_of_id",
        *failed,
    )
    assert retries == [(failed[0], 1, 0), (failed[1], 1, 0)]
    bulk = [
        row
        for row in portal.query(
            "SELECT before, after FROM audit_log WHERE action = ?", "videos.bulk_retry"
        )
        if json.loads(row[0])["filters"].get("user_id") == user
    ]
    assert len(bulk) == 1
    assert sorted(json.loads(bulk[0][1])["video_ids"]) == sorted(failed)

    # Again: nothing left to retry, and the dialog says so.
    page.get_by_role("button", name="Bulk retry…").click()
    expect(dialog.locator("#bulk-preview")).to_contain_text("0 failed clips")
    expect(dialog.get_by_role("button", name="Retry 0 clips")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()

    sign_in(phone, portal, SUPPORT, path="/console/clips")
    phone.goto(f"{portal.url}/console/clips?user={user}")
    expect(phone.locator(".console-clip")).to_have_count(4)
    phone.get_by_role("button", name="Bulk retry…").click()
    expect(phone.locator("#bulk-preview")).to_contain_text("0 failed clips")
    _dialog_fits(phone)
    shot(phone, "console-bulk-dialog-phone", full_page=False)
    phone.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()
    _no_sideways_scroll(phone)
    shot(phone, "console-bulk-done-phone")


def _account_action(page: Page, trigger: str, confirm: str, reason: str, shot_name: str) -> None:
    page.locator("#user-actions").get_by_role("button", name=trigger, exact=True).click()
    dialog = page.get_by_role("alertdialog")
    button = dialog.get_by_role("button", name=confirm, exact=True)
    expect(button).to_be_disabled()  # the reason is required
    dialog.get_by_role("textbox", name="Reason").fill(reason)
    _dialog_fits(page)
    shot(page, shot_name, full_page=False)
    button.click()
    expect(dialog).to_have_count(0)


def test_admin_account_actions(
    page: Page, portal: Portal, phone: Page, customer_page: Page
) -> None:
    customer = _email("account")
    sign_in(customer_page, portal, customer)
    user = _user_id(portal, customer)
    admin = _user_id(portal, ADMIN)
    sign_in(page, portal, ADMIN, path="/console")
    page.goto(f"{portal.url}/console/users/{user}")
    expect(page.locator("#user-profile")).to_contain_text(customer)

    # Disable: the customer's next page load is refused, and so is signing in again.
    _account_action(page, "Disable", "Disable this account", "Chargeback fraud", "console-disable")
    expect(page.locator("#action-done")).to_contain_text("Account disabled")
    expect(page.locator("#user-disabled")).to_be_visible()
    shot(page, "console-disable-done")
    assert portal.query("SELECT disabled FROM users WHERE id = ?", user) == [(1,)]
    customer_page.goto(f"{portal.url}/library")
    expect(customer_page).to_have_url(re.compile(r"/signin"))
    customer_page.context.clear_cookies()
    start_sign_in(customer_page, portal)
    customer_page.locator("input[name=sub]").fill(customer)
    customer_page.get_by_role("button", name="Authorize").click()
    expect(customer_page).to_have_url(re.compile(r"/signin/?\?error=forbidden"))
    expect(customer_page.get_by_text("This account has been disabled")).to_be_visible()

    # Enable: signing in works again.
    _account_action(page, "Enable", "Enable this account", "Cleared by the bank", "console-enable")
    expect(page.locator("#action-done")).to_have_text("Account enabled again.")
    expect(page.locator("#user-disabled")).to_have_count(0)
    assert portal.query("SELECT disabled FROM users WHERE id = ?", user) == [(0,)]
    sign_in(customer_page, portal, customer, path="/library")

    # Sign out everywhere: the open session is sent to sign-in on its next page load.
    _account_action(
        page, "Sign out everywhere", "Sign out everywhere", "Lost laptop", "console-signout"
    )
    expect(page.locator("#action-done")).to_contain_text("1 browser sessions ended")
    customer_page.get_by_role("link", name="Studio", exact=True).click()
    expect(customer_page).to_have_url(re.compile(r"/signin"))
    open_sessions = portal.query(
        "SELECT COUNT(*) FROM web_sessions WHERE user_id = ? AND revoked_at IS NULL", user
    )
    assert open_sessions == [(0,)]

    # Role change.
    page.locator("#user-actions").get_by_role("button", name="Change role").click()
    page.get_by_role("combobox", name="New role").click()
    page.get_by_role("option", name="Support").click()
    _account_action_confirm(page, "Joined the support team", "console-role")
    expect(page.locator("#action-done")).to_have_text("Role changed to Support.")
    expect(page.locator("#user-profile")).to_contain_text("Support")
    assert portal.query("SELECT role FROM users WHERE id = ?", user) == [("support",)]
    shot(page, "console-role-done")

    for action, before, after in (
        ("users.disable", {"disabled": False}, {"disabled": True}),
        ("users.enable", {"disabled": True}, {"disabled": False}),
        ("users.signout", None, {"sessions": 0, "refresh_tokens": 0}),
        ("users.set_role", {"role": "customer"}, {"role": "support"}),
    ):
        [(actor, _reason, was, now)] = _audit(portal, action, user)
        assert actor == admin
        if before is not None:
            assert json.loads(was) == before
        assert {k: v for k, v in json.loads(now).items() if k in after} == after

    # The only admin, on their own page: refused in plain words, nothing written.
    assert portal.query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND NOT disabled") == [
        (1,)
    ]
    page.goto(f"{portal.url}/console/users/{admin}")
    expect(page.locator("#user-profile")).to_contain_text(ADMIN)
    expect(page.locator("#user-actions").get_by_role("button", name="Disable")).to_have_count(0)
    page.locator("#user-actions").get_by_role("button", name="Change role").click()
    page.get_by_role("combobox", name="New role").click()
    page.get_by_role("option", name="Customer").click()
    _account_action_confirm(page, "Stepping down", "console-role-last-admin")
    expect(page.locator("#action-error")).to_contain_text("the last admin cannot be removed")
    assert portal.query("SELECT role FROM users WHERE id = ?", admin) == [("admin",)]
    assert _audit(portal, "users.set_role", admin) == []
    _no_sideways_scroll(page)
    shot(page, "console-role-last-admin-refused")

    # At phone width: each dialog, then the page.
    sign_in(phone, portal, ADMIN, path="/console")
    phone.goto(f"{portal.url}/console/users/{user}")
    expect(phone.locator("#user-profile")).to_contain_text(customer)
    for trigger, name in (
        ("Disable", "disable"),
        ("Sign out everywhere", "signout"),
        ("Change role", "role"),
    ):
        phone.locator("#user-actions").get_by_role("button", name=trigger, exact=True).click()
        dialog = phone.get_by_role("alertdialog")
        dialog.get_by_role("textbox", name="Reason").fill("Looking only")
        _dialog_fits(phone)
        shot(phone, f"console-{name}-phone", full_page=False)
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_have_count(0)
    _no_sideways_scroll(phone)
    shot(phone, "console-user-actions-phone")
    assert len(portal.query("SELECT id FROM audit_log WHERE target_user_id = ?", user)) == 4


def _account_action_confirm(page: Page, reason: str, shot_name: str) -> None:
    """The open role dialog: a reason, a look, confirm."""
    dialog = page.get_by_role("alertdialog")
    button = dialog.get_by_role("button", name="Change role", exact=True)
    expect(button).to_be_disabled()
    dialog.get_by_role("textbox", name="Reason").fill(reason)
    _dialog_fits(page)
    shot(page, shot_name, full_page=False)
    button.click()
    expect(dialog).to_have_count(0)
