"""The Library's Videos tab in Chromium with a real worker: every clip with its photo and
script, newest first, live while it renders, filtered by status and paged on the server."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.clips import card, request
from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import make_photos

pytestmark = pytest.mark.e2e


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def _filter(page: Page, label: str) -> None:
    page.locator("#video-filters").get_by_role("radio", name=label).click()


def test_videos_show_lineage_go_live_and_filter(page: Page, portal: Portal) -> None:
    email = _email("archivist")
    sign_in(page, portal, email)
    made = make_photos(portal, email, with_scripts=True)
    user, photo = made["user"], made["made"][0]
    first_script, script = photo["scripts"]
    canceled, rendering = request(portal, user, photo["image"], script, count=2, cancel=1)

    page.goto(f"{portal.url}/library?tab=videos")
    page.evaluate("window.__sameDocument = 'yes'")
    cards = page.locator("#library-clips .clip-card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_attribute("data-video-id", str(rendering))  # newest first
    live = card(page, rendering)
    expect(live).to_contain_text("product-1.jpg")
    link = live.locator(".clip-script")
    expect(link).to_have_text(f"Script #{script} · Product 1")
    expect(link).to_have_attribute("href", f"/studio?script={script}")
    stopped = card(page, canceled)
    expect(stopped.locator(".clip-error")).to_have_text("Canceled. Your credits were refunded.")
    expect(stopped.locator(".clip-refunded")).to_be_visible()

    # The rendering clip finishes on this page, without a reload.
    expect(live).to_have_attribute("data-status", "completed", timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('#library-clips video.clip-video')?.readyState >= 2",
        timeout=30_000,
    )
    assert page.evaluate("window.__sameDocument") == "yes"
    expect(page.locator("#header-credits")).to_have_text("26 credits")  # 50 - 2 scripts - 1 clip
    shot(page, "library-videos")

    _filter(page, "Ready")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-video-id", str(rendering))
    _filter(page, "Canceled")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-video-id", str(canceled))
    _filter(page, "Failed")
    expect(page.locator("#library-videos-empty")).to_contain_text("No clip matches this filter.")
    _filter(page, "All")
    expect(cards).to_have_count(2)

    # The script link opens the script and its photo in the Studio.
    link.click()
    expect(page).to_have_url(re.compile(rf"/studio\?script={script}"))
    expect(page.locator("#studio-photo-name")).to_have_text("product-1.jpg")
    expect(page.locator(f".clip-card[data-video-id='{rendering}']")).to_be_visible()
    assert first_script != script


def test_videos_page_on_the_server(page: Page, portal: Portal) -> None:
    email = _email("prolific.director")
    sign_in(page, portal, email)
    made = make_photos(portal, email)
    user, image = made["user"], made["made"][0]["image"]
    ids: list[int] = []
    for count in (9, 9, 3):  # canceled while queued: refunded, so 50 credits are plenty
        ids += request(portal, user, image, count=count, cancel=count)

    page.goto(f"{portal.url}/library?tab=videos")
    expect(page.locator("#pager-range")).to_have_text("1–20 of 21")
    cards = page.locator("#library-clips .clip-card")
    expect(cards).to_have_count(20)
    expect(cards.first).to_have_attribute("data-video-id", str(ids[-1]))
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#pager-range")).to_have_text("21–21 of 21")
    expect(cards).to_have_count(1)
    expect(cards.first).to_have_attribute("data-video-id", str(ids[0]))
    expect(page.locator("#header-credits")).to_have_text("50 credits")


def test_photos_tab_stays_the_default(page: Page, portal: Portal) -> None:
    sign_in(page, portal, _email("newcomer"), path="/library")
    expect(page.get_by_role("tab", name="Photos")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Videos").click()
    expect(page.locator("#library-videos-empty")).to_contain_text("No videos yet")
