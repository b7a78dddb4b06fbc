"""The live progress loop's life in the browser: the user's progress channel is subscribed
while a page with active clips is open in any tab (the tabs a web process serves share one
subscription, and every one of them moves), and unsubscribed once the last tab moved to
another page or closed."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.clips import cancel_clips, grant, open_library_videos, request, wait_for_listeners
from tests.e2e.conftest import Portal, shot_at, sign_in
from tests.e2e.media import make_photos

pytestmark = pytest.mark.e2e


def test_channel_subscribed_while_any_tab_watches(page: Page, portal: Portal) -> None:
    email = f"watcher.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email)
    made = make_photos(portal, email)
    user = made["user"]
    # Three long clips on one worker (it renders as many at once as the machine has cores):
    # active for the whole test (canceled at the end).
    ids = request(portal, user, made["made"][0]["image"], count=3, duration=12)
    try:
        page.get_by_role("link", name="Studio").click()
        expect(page.locator("#studio-clips .clip-card")).to_have_count(3)
        wait_for_listeners(portal, user, 1)
        rendering = page.locator(".clip-card[data-status='processing'] .clip-percent").first
        expect(rendering).not_to_have_text("0%", timeout=60_000)
        shot_at(page, "studio-clips-in-progress", "#studio-clips")

        page.get_by_role("link", name="Account").click()  # another page, same tab
        wait_for_listeners(portal, user, 0)

        open_library_videos(page)
        expect(page.locator("#library-clips .clip-card")).to_have_count(3)
        wait_for_listeners(portal, user, 1)
        page.get_by_role("link", name="Studio").click()
        wait_for_listeners(portal, user, 1)  # the Studio's replaced the Library's

        page.reload()
        expect(page.locator("#studio-clips .clip-card")).to_have_count(3)
        wait_for_listeners(portal, user, 1)

        # Three more clips, queued behind the rest: the last one starts only after both tabs
        # below show it waiting, so each tab sees it move live.
        grant(portal, user, 100)
        more = request(portal, user, made["made"][0]["image"], count=3, duration=12)
        ids += more
        page.reload()
        second = page.context.new_page()  # a second tab, same user: the same subscription
        # Straight to the tab: a click on a fresh page could land before it hydrates.
        second.goto(f"{portal.url}/library?tab=videos")
        expect(second.get_by_role("tab", name="Videos")).to_have_attribute("aria-selected", "true")
        tabs = [(page, "#studio-clips"), (second, "#library-clips")]
        last = [tab.locator(f"{grid} .clip-card[data-video-id='{more[-1]}']") for tab, grid in tabs]
        for card in last:
            expect(card).to_have_attribute("data-status", "pending")
        wait_for_listeners(portal, user, 1)
        for card in last:
            expect(card).to_have_attribute(
                "data-status", re.compile("processing|completed"), timeout=90_000
            )

        page.close()
        wait_for_listeners(portal, user, 1)  # the other tab still watches
        second.close()
        wait_for_listeners(portal, user, 0)
    finally:
        cancel_clips(portal, user, ids)
