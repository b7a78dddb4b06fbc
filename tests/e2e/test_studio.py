"""The Studio in Chromium: upload a photo, write a script for credits, edit and regenerate it."""

from __future__ import annotations

import base64
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT, Portal, shot, sign_in
from tests.e2e.media import make_photos, product_jpeg, stored_files, user_id
from tests.support.samples import jpeg_claiming

pytestmark = pytest.mark.e2e

_SPEND = """
import sys
from v4a_portal.db import session_scope
from v4a_portal.services import accounts, ledger
with session_scope() as s:
    user_id = accounts.by_email(s, sys.argv[1]).id
ledger.apply(user_id=user_id, delta=-int(sys.argv[2]), kind="staff_adjustment",
             key=f"e2e-spend:{user_id}", note="test")
"""


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def _file_input(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#studio-photo-step input[type=file]")


def _upload(page: Page, path: Path) -> None:
    _file_input(page).set_input_files(str(path))
    expect(page.locator("#studio-photo-preview")).to_be_visible()
    expect(page.locator("#studio-photo-name")).to_have_text(path.name)


def _write_script(page: Page, product: str = "Aurora water bottle") -> None:
    page.get_by_label("Product name").fill(product)
    page.get_by_label("Audience").fill("hikers and runners")
    page.get_by_role("button", name="Write script").click()


def _mark_document(page: Page) -> None:
    """A variable that only survives while this document lives: a reload would drop it."""
    page.evaluate("window.__sameDocument = 'yes'")


def _same_document(page: Page) -> bool:
    return page.evaluate("window.__sameDocument") == "yes"


def test_upload_shows_the_photo_and_stores_a_clean_copy(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("uploader")
    sign_in(page, portal, email, path="/studio")
    expect(page.get_by_text("Drop a product photo here")).to_be_visible()
    expect(page.get_by_role("button", name="Write script")).to_be_disabled()
    shot(page, "studio-empty")

    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))

    expect(page.locator("#studio-photo-step")).to_contain_text("900 × 1200 · JPEG")
    expect(page.get_by_role("button", name="Write script")).to_be_enabled()
    recent = page.get_by_role("button", name="Use bottle.jpg")  # recent photos: thumbnails
    expect(recent.locator("img")).to_have_attribute("src", re.compile(r"_bottle\.thumb\.jpg$"))
    owner = user_id(portal, email)
    rows = portal.query(
        "SELECT content_type, width, height, original_filename FROM uploaded_images "
        "WHERE user_id = ?",
        owner,
    )
    assert rows == [("image/jpeg", 900, 1200, "bottle.jpg")]
    assert len(stored_files(portal, owner)) == 2  # the photo and its thumbnail
    # The image the page shows is the stored copy, served by the portal, not /_upload.
    src = page.locator("#studio-photo-preview").get_attribute("src") or ""
    assert "/media/uploads/" in src and "/_upload" not in src
    assert not list((ROOT / "uploaded_files").rglob("bottle.jpg"))
    shot(page, "studio-photo")

    # The same photo again is recognised and reused, not stored twice.
    page.get_by_role("button", name="Use another photo").click()
    _upload(page, tmp_path / "bottle.jpg")
    expect(page.get_by_text("You uploaded this photo before")).to_be_visible()
    assert portal.query("SELECT COUNT(*) FROM uploaded_images WHERE user_id = ?", owner) == [(1,)]
    assert len(stored_files(portal, owner)) == 2  # the photo and its thumbnail


# Builds a File in the page and drops it on the zone, as dragging one from the desktop does.
_DROP = """([b64, name]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, {type: "image/jpeg"}));
    return data;
}"""


def test_a_photo_dropped_on_the_zone_uploads(page: Page, portal: Portal, tmp_path: Path) -> None:
    sign_in(page, portal, _email("dropper"), path="/studio")
    photo = product_jpeg(tmp_path / "dropped.jpg", colour=(170, 60, 90))
    data = page.evaluate_handle(_DROP, [base64.b64encode(photo.read_bytes()).decode(), photo.name])

    page.dispatch_event("#studio-photo", "drop", {"dataTransfer": data})

    expect(page.locator("#studio-photo-name")).to_have_text("dropped.jpg")
    expect(page.locator("#studio-photo-preview")).to_be_visible()


def test_a_text_file_named_jpg_is_refused_and_nothing_is_stored(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("trickster")
    fake = tmp_path / "holiday.jpg"
    fake.write_text("<html><script>alert('hi')</script></html>\n" * 50)
    sign_in(page, portal, email, path="/studio")

    _file_input(page).set_input_files(str(fake))

    error = page.locator("#studio-photo-error")
    # It says what the file is and what to upload instead, in plain words.
    expect(error).to_contain_text(
        "This file is a text file (a web page or code), not a photo, although it is named "
        "or labelled as a JPEG. Please upload the product photo as a JPEG, PNG or WebP image "
        "instead."
    )
    expect(error).not_to_contain_text("image/jpeg")
    expect(page.locator("#studio-photo-preview")).to_have_count(0)
    expect(page.get_by_text("Drop a product photo here")).to_be_visible()  # can try again
    owner = user_id(portal, email)
    assert portal.query("SELECT COUNT(*) FROM uploaded_images WHERE user_id = ?", owner) == [(0,)]
    assert stored_files(portal, owner) == []
    assert not list((ROOT / "uploaded_files").rglob("holiday.jpg"))
    shot(page, "studio-refused")


def test_a_photo_over_the_pixel_limit_says_the_limit_and_to_resize(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("panorama")
    huge = tmp_path / "panorama.jpg"
    huge.write_bytes(jpeg_claiming(9000, 8000))  # the header says so; the pixels are not there
    sign_in(page, portal, email, path="/studio")

    _file_input(page).set_input_files(str(huge))

    expect(page.locator("#studio-photo-error")).to_have_text(
        "The photo is 9000 × 8000 pixels; the limit is 40 megapixels (40 million pixels). "
        "Resize it to at most 6708 × 5962 pixels and upload it again."
    )
    owner = user_id(portal, email)
    assert portal.query("SELECT COUNT(*) FROM uploaded_images WHERE user_id = ?", owner) == [(0,)]
    shot(page, "studio-too-many-pixels")


def test_a_file_over_the_limit_is_refused_in_the_browser(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("bigfile")
    big = tmp_path / "huge.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024))
    sign_in(page, portal, email, path="/studio")

    _file_input(page).set_input_files(str(big))

    expect(page.locator("#studio-photo-error")).to_contain_text("larger than 10 MB")
    owner = user_id(portal, email)
    assert portal.query("SELECT COUNT(*) FROM uploaded_images WHERE user_id = ?", owner) == [(0,)]


def test_writing_a_script_takes_10_credits_and_the_header_follows_without_reload(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("writer")
    sign_in(page, portal, email, path="/studio")
    expect(page.locator("#header-credits")).to_have_text("50 credits")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    _mark_document(page)
    url = page.url

    _write_script(page)

    expect(page.locator("#studio-script-text")).to_contain_text("HOOK")
    expect(page.locator("#header-credits")).to_have_text("40 credits")
    expect(page.locator("#studio-balance")).to_have_text("40")
    owner = user_id(portal, email)
    ((script_id,),) = portal.query("SELECT id FROM generated_scripts WHERE user_id = ?", owner)
    # The same document; its address now names the script too (the Studio remembers it).
    expect(page).to_have_url(re.compile(rf"/studio\?photo=\d+&script={script_id}$"))
    assert _same_document(page) and page.url.startswith(url.split("?")[0])
    script = page.locator("#studio-script")
    expect(script).to_contain_text("Aurora water bottle")
    expect(script).to_contain_text("Local writer")
    expect(script).to_contain_text("10 credits")
    owner = user_id(portal, email)
    rows = portal.query(
        "SELECT product, audience, tone, language, target_duration, credits_used, writer, "
        "parent_script_id FROM generated_scripts WHERE user_id = ?",
        owner,
    )
    assert rows == [
        ("Aurora water bottle", "hikers and runners", "professional", "en", 8, 10, "local", None)
    ]
    assert portal.query("SELECT credits FROM users WHERE id = ?", owner) == [(40,)]
    shot(page, "studio-script")


def test_choices_in_the_brief_reach_the_writer(page: Page, portal: Portal, tmp_path: Path) -> None:
    email = _email("chooser")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    page.get_by_label("Product name").fill("Velvet lipstick")
    for label, option in (("Tone", "Luxury"), ("Language", "French"), ("Length", "15 seconds")):
        page.get_by_label(label).click()
        page.get_by_role("option", name=option).click()
    page.get_by_role("button", name="Write script").click()

    expect(page.locator("#studio-script")).to_contain_text("Luxury · French · 15 s")
    owner = user_id(portal, email)
    assert portal.query(
        "SELECT tone, language, target_duration FROM generated_scripts WHERE user_id = ?", owner
    ) == [("luxury", "fr", 15)]


def test_edit_is_free_and_regenerate_asks_then_links_to_its_parent(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("editor")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    _write_script(page)
    expect(page.locator("#header-credits")).to_have_text("40 credits")
    owner = user_id(portal, email)
    ((first_id,),) = portal.query("SELECT id FROM generated_scripts WHERE user_id = ?", owner)

    # A text without the labels the video steps read is refused, with the reason.
    page.get_by_role("button", name="Edit").click()
    editor = page.locator("#studio-script-editor")
    editor.fill("Just buy it.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#studio-edit-error")).to_contain_text("Keep the HOOK:")

    text = portal.query("SELECT script_text FROM generated_scripts WHERE id = ?", first_id)[0][0]
    edited = text.replace("HOOK: ", "HOOK: Thirsty? ", 1)
    editor.fill(edited)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#studio-script-note")).to_contain_text("saved")
    expect(page.locator("#studio-script-text")).to_contain_text("Thirsty?")
    assert portal.query("SELECT script_text FROM generated_scripts WHERE id = ?", first_id) == [
        (edited,)
    ]
    expect(page.locator("#header-credits")).to_have_text("40 credits")  # editing is free

    # Regenerating costs credits, so it asks first; cancelling changes nothing.
    page.get_by_role("button", name="Regenerate").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("10 credits")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert portal.query("SELECT COUNT(*) FROM generated_scripts WHERE user_id = ?", owner) == [(1,)]

    _mark_document(page)
    page.get_by_role("button", name="Regenerate").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    shot(page, "studio-regenerate-confirm")
    page.get_by_role("alertdialog").get_by_role("button", name="Regenerate for 10 credits").click()
    expect(page.locator("#studio-script")).to_contain_text(f"Regenerated from #{first_id}")
    expect(page.locator("#header-credits")).to_have_text("30 credits")
    assert _same_document(page)
    rows = portal.query(
        "SELECT parent_script_id, credits_used FROM generated_scripts WHERE user_id = ? "
        "ORDER BY id",
        owner,
    )
    assert rows == [(None, 10), (first_id, 10)]


def test_not_enough_credits_says_how_many_are_needed(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("broke")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    portal.python("-c", _SPEND, email, "44")  # 50 → 6

    _write_script(page)

    expect(page.locator("#studio-script-error")).to_contain_text(
        "This costs 10 credits and you have 6: 4 more needed."
    )
    expect(page.locator("#header-credits")).to_have_text("6 credits")
    owner = user_id(portal, email)
    assert portal.query("SELECT COUNT(*) FROM generated_scripts WHERE user_id = ?", owner) == [(0,)]


def test_recent_photos_can_be_reused(page: Page, portal: Portal) -> None:
    email = _email("returning")
    sign_in(page, portal, email)
    made = make_photos(portal, email, count=2)["made"]
    page.goto(portal.url + "/studio")
    expect(page.get_by_role("button", name="Use product-1.jpg")).to_be_visible()

    page.get_by_role("button", name="Use product-1.jpg").click()

    expect(page.locator("#studio-photo-name")).to_have_text("product-1.jpg")
    expect(page.get_by_role("button", name="Use product-1.jpg")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.get_by_role("button", name="Use another photo").click()
    expect(page.get_by_text("Drop a product photo here")).to_be_visible()
    assert len(made) == 2


def test_another_users_photo_or_script_never_opens(page: Page, portal: Portal) -> None:
    owner_email = _email("owner")
    sign_in(page, portal, owner_email)
    made = make_photos(portal, owner_email, with_scripts=True)["made"][0]
    page.context.clear_cookies()

    sign_in(page, portal, _email("snoop"), path="/studio")
    for query in (f"photo={made['image']}", f"script={made['scripts'][0]}"):
        page.goto(f"{portal.url}/studio?{query}")
        expect(page.locator("#studio-photo-error")).to_contain_text("not in your library")
        expect(page.locator("#studio-photo-preview")).to_have_count(0)
        expect(page.locator("#studio-script")).to_have_count(0)
        expect(page.get_by_text("product-1.jpg")).to_have_count(0)
    assert re.search(r"/studio", page.url)
