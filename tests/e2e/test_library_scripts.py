"""The Library's Scripts tab in Chromium: every script, newest first, searchable, kept (and
reachable) after its photo is deleted, with its lineage and clips; and a free-text clip shows
the prompt it was made from."""

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


def _script_card(page: Page, script_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f".library-script-card[data-script-id='{script_id}']")


def test_a_deleted_photos_scripts_stay_reachable_under_scripts(page: Page, portal: Portal) -> None:
    email = _email("keeper")
    sign_in(page, portal, email)
    data = make_photos(portal, email, count=2, with_scripts=True)
    doomed, kept = data["made"]
    first, second = doomed["scripts"]
    (clip,) = request(portal, data["user"], doomed["image"], second, cancel=1)

    page.goto(portal.url + "/library")
    photo = page.locator(f".library-photo[data-photo-id='{doomed['image']}']")
    photo.get_by_role("button", name="Delete product-1.jpg").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete photo").click()
    expect(page.locator("#library-status")).to_contain_text(
        "Its 2 scripts are kept. Find them under Scripts."
    )

    page.get_by_role("tab", name="Scripts").click()
    cards = page.locator(".library-script-card")
    expect(cards).to_have_count(4)  # both photos' scripts, with or without their photo
    expect(cards.first).to_have_attribute("data-script-id", str(kept["scripts"][1]))  # newest
    orphan = _script_card(page, second)
    expect(orphan.locator(".library-script-photo")).to_have_text("Photo deleted")
    expect(orphan.locator(".script-lineage")).to_have_text(f"Regenerated from #{first}")
    expect(orphan.locator(".script-clip")).to_have_text(f"Clip #{clip} · Canceled")
    expect(_script_card(page, first).locator(".library-script-photo")).to_have_text("Photo deleted")
    expect(_script_card(page, kept["scripts"][0]).locator(".library-script-photo")).to_have_text(
        "product-2.jpg"
    )
    orphan.get_by_text("Show script").click()
    expect(orphan).to_contain_text("VIDEO PROMPT")
    shot(page, "library-scripts")

    # Search: product, audience or text; an empty search lists them all again.
    search = page.locator("#scripts-search")
    search.fill("product 2")
    search.press("Enter")
    expect(cards).to_have_count(2)
    expect(page.locator("#library-scripts")).not_to_contain_text("Photo deleted")
    search.fill("no such words anywhere")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#library-scripts-empty")).to_contain_text("No scripts found")
    search.fill("")
    search.press("Enter")
    expect(cards).to_have_count(4)

    # Open in Studio brings the script back, though its photo is gone.
    orphan.get_by_role("link", name="Open in Studio").click()
    expect(page).to_have_url(re.compile(rf"/studio\?script={second}$"))
    expect(page.locator("#studio-script")).to_contain_text(f"Regenerated from #{first}")
    expect(page.get_by_label("Product name")).to_have_value("Product 1")


def test_a_free_text_clip_shows_its_prompt(page: Page, portal: Portal) -> None:
    email = _email("freehand")
    sign_in(page, portal, email)
    data = make_photos(portal, email)
    (clip,) = request(portal, data["user"], data["made"][0]["image"], cancel=1)

    page.goto(f"{portal.url}/library?tab=videos")
    prompt = card(page, clip).locator(".clip-prompt")
    expect(prompt).to_have_text("Prompt: “Slow push-in on the product”")
