"""The Library in Chromium: photos (as thumbnails) with their scripts and lineage, paging,
deleting a photo."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import make_photos, stored_files

pytestmark = pytest.mark.e2e


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def _card(page: Page, image_id: int):  # type: ignore[no-untyped-def]
    return page.locator(f".library-photo[data-photo-id='{image_id}']")


def test_empty_library_leads_to_the_studio(page: Page, portal: Portal) -> None:
    sign_in(page, portal, _email("empty"), path="/library")
    expect(page.locator("#library-empty")).to_contain_text("No photos yet")
    shot(page, "library-empty")
    page.get_by_role("link", name="Open the Studio").click()
    expect(page).to_have_url(re.compile(r"/studio"))
    expect(page.get_by_text("Drop a product photo here")).to_be_visible()


def test_photos_show_their_scripts_and_lineage(page: Page, portal: Portal) -> None:
    email = _email("collector")
    sign_in(page, portal, email)
    made = make_photos(portal, email, count=2, with_scripts=True)["made"]
    page.get_by_role("link", name="Library").click()  # client-side navigation

    cards = page.locator(".library-photo")
    expect(cards).to_have_count(2)
    expect(cards.first).to_contain_text("product-2.jpg")  # newest first
    card = _card(page, made[0]["image"])
    expect(card).to_contain_text("640 × 480 · JPEG")
    expect(card).to_contain_text("Scripts (2)")
    first, second = made[0]["scripts"]
    newest = card.locator(".library-script").first
    expect(newest).to_have_attribute("data-script-id", str(second))
    expect(newest).to_contain_text(f"Regenerated from #{first}")
    expect(newest).to_contain_text("Local writer")
    expect(newest).to_contain_text("10 credits")
    expect(newest).to_contain_text("Calm · English · 8 s")
    expect(card.locator(".library-script").last.locator(".script-lineage")).to_have_count(0)
    thumb = card.locator("img").first
    expect(thumb).to_have_attribute("src", re.compile(r"/media/uploads/"))
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")

    newest.get_by_text("Show script").click()
    expect(newest).to_contain_text("VIDEO PROMPT")
    shot(page, "library")

    # "Open in Studio" brings the script and its photo back for editing.
    newest.get_by_role("link", name="Open in Studio").click()
    expect(page).to_have_url(re.compile(rf"/studio\?photo={made[0]['image']}&script={second}$"))
    expect(page.locator("#studio-photo-name")).to_have_text("product-1.jpg")
    expect(page.locator("#studio-script")).to_contain_text(f"Regenerated from #{first}")


def test_the_photo_grid_loads_thumbnails(page: Page, portal: Portal) -> None:
    email = _email("gallery")
    sign_in(page, portal, email)
    data = make_photos(portal, email, count=3)
    owner, oldest = data["user"], data["made"][0]["image"]
    # A photo stored before thumbnails existed shows the photo itself.
    portal.query("UPDATE uploaded_images SET thumbnail_path = NULL WHERE id = ?", oldest)
    page.goto(portal.url + "/library")
    expect(page.locator(".library-photo")).to_have_count(3)

    for n, made in enumerate(data["made"], start=1):
        img = _card(page, made["image"]).locator("img").first
        stored_before = made["image"] == oldest
        name = rf"product-{n}\.jpg" if stored_before else rf"product-{n}\.thumb\.jpg"
        expect(img).to_have_attribute(
            "src", re.compile(rf"/media/uploads/{owner}/[0-9a-f-]{{36}}_{name}$")
        )
        img.scroll_into_view_if_needed()  # the grid's images load lazily
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=img.element_handle()
        )
        size = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert size == ([640, 480] if stored_before else [320, 240])  # photos are 640 x 480
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "library-thumbnails")


def test_library_pages_on_the_server(page: Page, portal: Portal) -> None:
    email = _email("prolific")
    sign_in(page, portal, email)
    make_photos(portal, email, count=21)
    page.goto(portal.url + "/library")
    expect(page.locator("#pager-range")).to_have_text("1–20 of 21")
    expect(page.locator(".library-photo")).to_have_count(20)
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#pager-range")).to_have_text("21–21 of 21")
    expect(page.locator(".library-photo")).to_have_count(1)
    expect(page.locator(".library-photo")).to_contain_text("product-1.jpg")


def test_delete_asks_first_and_keeps_the_scripts(page: Page, portal: Portal) -> None:
    email = _email("tidy")
    sign_in(page, portal, email)
    data = make_photos(portal, email, count=2, with_scripts=True)
    owner, doomed = data["user"], data["made"][0]
    files_before = stored_files(portal, owner)
    page.goto(portal.url + "/library")
    card = _card(page, doomed["image"])
    expect(card).to_be_visible()

    card.get_by_role("button", name="Delete product-1.jpg").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Scripts written for it are kept")
    shot(page, "library-delete-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert portal.query("SELECT COUNT(*) FROM uploaded_images WHERE id = ?", doomed["image"]) == [
        (1,)
    ]

    card.get_by_role("button", name="Delete product-1.jpg").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete photo").click()

    expect(page.locator("#library-status")).to_contain_text(
        "product-1.jpg was deleted. Its 2 scripts are kept."
    )
    expect(card).to_have_count(0)
    expect(page.locator(".library-photo")).to_have_count(1)
    shot(page, "library-deleted")
    assert portal.query("SELECT COUNT(*) FROM uploaded_images WHERE id = ?", doomed["image"]) == [
        (0,)
    ]
    kept = portal.query(
        "SELECT id, image_id FROM generated_scripts WHERE id IN (?, ?) ORDER BY id",
        *doomed["scripts"],
    )
    assert kept == [(doomed["scripts"][0], None), (doomed["scripts"][1], None)]
    assert len(stored_files(portal, owner)) == len(files_before) - 2  # photo, thumbnail
