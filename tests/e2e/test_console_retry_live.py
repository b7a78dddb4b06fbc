"""A staff retry reaches the customer's open pages live: the customer has the Library (and
the Studio, in another tab) open; support retries one failed clip charged, in the console,
and another waived, through the API; each new clip appears on both pages without a reload,
moves, ends ready with a playable video, and the header's balance shows the charge or not."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.clips import WATCH_PERCENT, card, wait_for_listeners
from tests.e2e.conftest import Portal, shot, shot_at, sign_in
from tests.e2e.media import make_photos

pytestmark = pytest.mark.e2e

SUPPORT = "support@v4a.example"
SECONDS = 8  # long enough for the pages to see the clip render
PHONE = {"width": 390, "height": 844}

# Orders draft clips of the user's photo, then fails them while they wait in the queue, the
# way a provider's permanent error ends a clip (failed, refunded). Prints the ids as JSON.
_FAILED = """
import json, sys
from v4a_portal.models import VideoStatus
from v4a_portal.services import videos
from v4a_portal.services.videos import transitions

user, image, count, seconds = (int(a) for a in sys.argv[1:5])
ids = videos.request(user, image, None, "Slow push-in on the product", "draft", seconds,
                     "720x1280", count).video_ids
for video_id in ids:
    transitions.finish(video_id, VideoStatus.failed, "provider_error",
                       "The video service failed. Your credits were refunded.")
print(json.dumps(ids))
"""


def _credits(page: Page) -> int:
    text = page.locator("#header-credits").inner_text()
    return int(re.sub(r"\D", "", text))


def _token(portal: Portal, email: str) -> str:
    out = portal.cli("user", "token", email)
    return json.loads(out.strip().splitlines()[-1])["access_token"]


def _follow_to_the_end(page: Page, clip: Locator) -> None:
    """The new clip is on the page without a reload, moves, and ends playable."""
    expect(clip).to_be_visible()
    expect(clip).to_have_attribute("data-status", "completed", timeout=120_000)
    player = clip.locator("video.clip-video")
    expect(player).to_have_count(1)
    player.evaluate(
        "v => new Promise(ok => v.readyState >= 2 ? ok() : v.addEventListener('loadeddata', ok))"
    )
    assert player.evaluate("v => v.duration") > SECONDS - 1
    seen = page.evaluate("window.__percents")
    assert any(0 < p < 100 for p in seen), f"no progress shown: {seen}"


def test_staff_retries_appear_live_for_the_customer(
    page: Page, portal: Portal, browser: Browser
) -> None:
    customer = f"retried.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, customer)
    made = make_photos(portal, customer)
    user, image = made["user"], made["made"][0]["image"]
    out = portal.python("-c", _FAILED, str(user), str(image), "2", str(SECONDS))
    failed = json.loads(out.strip().splitlines()[-1])
    assert portal.query("SELECT DISTINCT status FROM videos WHERE user_id = ?", user) == [
        ("failed",)
    ]

    page.goto(f"{portal.url}/library?tab=videos")
    expect(page.locator("#library-clips .clip-card")).to_have_count(2)
    studio = page.context.new_page()
    studio.set_viewport_size(PHONE)
    studio.goto(f"{portal.url}/studio")
    expect(studio.locator("#studio-clips .clip-card")).to_have_count(2)
    page.evaluate("window.__sameDocument = 'yes'")
    for tab in (page, studio):
        tab.evaluate(WATCH_PERCENT)
    wait_for_listeners(portal, user, 1)  # nothing active, yet both tabs listen (one hub)
    balance = _credits(page)
    assert balance == 50

    # Charged, in the console.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 860})
    staff = staff_context.new_page()
    try:
        sign_in(staff, portal, SUPPORT, path="/console")
        staff.goto(f"{portal.url}/console/users/{user}?tab=clips")
        staff.locator(f"#clip-{failed[0]}").get_by_role("button", name="Retry").click()
        dialog = staff.get_by_role("alertdialog")
        dialog.get_by_role("radio", name=re.compile("Charged")).click()
        dialog.get_by_role("textbox", name="Reason").fill("Provider outage, ticket 77")
        dialog.get_by_role("button", name="Retry").click()
        expect(staff.locator("#clip-done")).to_contain_text(f"{SECONDS} credits charged")
    finally:
        staff_context.close()
    (charged,) = portal.query("SELECT id FROM videos WHERE retry_of_id = ?", failed[0])[0]

    clip = card(page, charged)
    expect(clip).to_be_visible()
    expect(page.locator("#library-clips .clip-card").first).to_have_attribute(
        "data-video-id", str(charged)
    )
    expect(page.locator("#header-credits")).to_have_text(f"{balance - SECONDS} credits")
    expect(card(studio, charged)).to_be_visible()
    _follow_to_the_end(page, clip)
    _follow_to_the_end(studio, card(studio, charged))
    shot_at(page, "retry-live-library-charged", "#library-clips")
    shot_at(studio, "retry-live-studio-phone", "#studio-clips")

    # Waived, through the API.
    for tab in (page, studio):
        tab.evaluate(WATCH_PERCENT)
    answer = httpx.post(
        f"{portal.url}/api/v1/staff/videos/{failed[1]}/retry",
        json={"charge": False, "reason": "Goodwill after the outage"},
        headers={"Authorization": f"Bearer {_token(portal, SUPPORT)}"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    waived = answer.json()["video_id"]
    clip = card(page, waived)
    expect(clip).to_be_visible()
    expect(card(studio, waived)).to_be_visible()
    _follow_to_the_end(page, clip)
    _follow_to_the_end(studio, card(studio, waived))
    expect(page.locator("#header-credits")).to_have_text(f"{balance - SECONDS} credits")
    assert page.evaluate("window.__sameDocument") == "yes"  # never reloaded
    expect(page.locator("#library-clips .clip-card")).to_have_count(4)
    shot(page, "retry-live-library-waived")

    rows = portal.query(
        "SELECT id, status, credits_used, charge_waived FROM videos WHERE retry_of_id IS NOT NULL"
        " AND user_id = ? ORDER BY id",
        user,
    )
    assert rows == [(charged, "completed", SECONDS, 0), (waived, "completed", 0, 1)]
    (credits,) = portal.query("SELECT credits FROM users WHERE id = ?", user)[0]
    assert credits == balance - SECONDS
    audit = portal.query("SELECT action FROM audit_log WHERE target_user_id = ? ORDER BY id", user)
    assert audit == [("videos.retry",), ("videos.retry",)]
