"""The Studio in Chromium, for work that is paid for: a regeneration reads differently from its
parent, the work on screen survives leaving the page (and lives in the URL), a script opened
from the Library brings its brief back, the clip form starts at the script's length, and paid
buttons the balance cannot cover are off, saying how many credits are missing and where more
come from."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Portal, shot, sign_in
from tests.e2e.media import make_photos, product_jpeg, user_id

pytestmark = pytest.mark.e2e

# Spends credits through the ledger (a staff adjustment), leaving `argv[2]` credits.
_LEAVE = """
import sys, uuid
from v4a_portal.db import session_scope
from v4a_portal.services import accounts, ledger
with session_scope() as s:
    user = accounts.by_email(s, sys.argv[1])
    user_id, credits = user.id, user.credits
ledger.apply(user_id=user_id, delta=int(sys.argv[2]) - credits, kind="staff_adjustment",
             key=f"e2e-leave:{uuid.uuid4().hex}", note="test")
"""


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def _upload(page: Page, path: Path) -> None:
    page.locator("#studio-photo-step input[type=file]").set_input_files(str(path))
    expect(page.locator("#studio-photo-name")).to_have_text(path.name)


def _script_text(portal: Portal, script_id: int) -> str:
    return portal.query("SELECT script_text FROM generated_scripts WHERE id = ?", script_id)[0][0]


def _scripts(portal: Portal, owner: int) -> list[int]:
    rows = portal.query("SELECT id FROM generated_scripts WHERE user_id = ? ORDER BY id", owner)
    return [r[0] for r in rows]


def test_a_regeneration_reads_differently_from_its_parent(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("rewriter")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    page.get_by_label("Product name").fill("Aurora water bottle")
    page.get_by_label("Audience").fill("trail runners")
    page.get_by_role("button", name="Write script").click()
    expect(page.locator("#studio-script-text")).to_contain_text("HOOK")
    owner = user_id(portal, email)
    assert len(_scripts(portal, owner)) == 1
    first_text = page.locator("#studio-script-text").inner_text()

    for attempt in (1, 2):  # a regeneration, then a regeneration of that one
        parent = _scripts(portal, owner)[-1]
        page.get_by_role("button", name="Regenerate").click()
        page.get_by_role("alertdialog").get_by_role(
            "button", name="Regenerate for 10 credits"
        ).click()
        expect(page.locator("#studio-script")).to_contain_text(f"Regenerated from #{parent}")
        expect(page).to_have_url(re.compile(rf"script={_scripts(portal, owner)[-1]}"))
        assert len(_scripts(portal, owner)) == 1 + attempt

    ids = _scripts(portal, owner)
    texts = [_script_text(portal, i) for i in ids]
    assert len(set(texts)) == 3, "each version reads differently"
    for text in texts:  # and each keeps to the brief
        assert "Aurora water bottle" in text and "trail runners" in text
    assert page.locator("#studio-script-text").inner_text() != first_text
    expect(page.locator("#header-credits")).to_have_text("20 credits")  # three paid scripts
    shot(page, "studio-regenerated")


def test_the_studio_keeps_the_work_in_the_url_and_when_coming_back(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("returner")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    owner = user_id(portal, email)
    ((photo,),) = portal.query("SELECT id FROM uploaded_images WHERE user_id = ?", owner)
    expect(page).to_have_url(re.compile(rf"/studio\?photo={photo}$"))
    page.get_by_label("Product name").fill("Aurora water bottle")
    page.get_by_label("Audience").fill("hikers")
    page.get_by_role("button", name="Write script").click()
    expect(page.locator("#studio-script-text")).to_contain_text("HOOK")
    (script,) = _scripts(portal, owner)
    expect(page).to_have_url(re.compile(rf"/studio\?photo={photo}&script={script}$"))
    page.locator("#video-prompt").fill("The bottle on a mossy rock at sunrise")
    page.locator("#video-prompt").blur()

    # Away and back through the header: photo, script, brief and prompt are all there.
    header = page.get_by_role("navigation", name="Main")
    header.get_by_role("link", name="Library").click()
    expect(page).to_have_url(re.compile(r"/library"))
    header.get_by_role("link", name="Studio").click()
    expect(page.locator("#studio-photo-name")).to_have_text("bottle.jpg")
    expect(page.locator("#studio-script")).to_contain_text("Aurora water bottle")
    expect(page.get_by_label("Product name")).to_have_value("Aurora water bottle")
    expect(page.get_by_label("Audience")).to_have_value("hikers")
    expect(page.locator("#video-prompt")).to_have_value("The bottle on a mossy rock at sunrise")
    expect(page).to_have_url(re.compile(rf"/studio\?photo={photo}&script={script}$"))

    # A new tab (no state of its own) on the URL restores the same work...
    other = page.context.new_page()
    other.goto(f"{portal.url}/studio?photo={photo}&script={script}")
    expect(other.locator("#studio-photo-name")).to_have_text("bottle.jpg")
    expect(other.locator("#studio-script")).to_contain_text("Aurora water bottle")
    # ...and so does a bare /studio in a new tab: the browser remembers the last work.
    bare = page.context.new_page()
    bare.goto(f"{portal.url}/studio")
    expect(bare.locator("#studio-script")).to_contain_text("Aurora water bottle")
    expect(bare).to_have_url(re.compile(rf"/studio\?photo={photo}&script={script}$"))

    # A clip made after coming back is linked to its script, not stored as free text.
    page.get_by_role("button", name="Generate 1 clip").click()
    expect(page.locator(".clip-card")).to_have_count(1)
    rows = portal.query("SELECT script_id, image_id FROM videos WHERE user_id = ?", owner)
    assert rows == [(script, photo)]
    expect(page.locator(".clip-card .clip-script")).to_contain_text(f"Script #{script}")


def test_open_in_studio_restores_the_brief_and_the_clip_length(page: Page, portal: Portal) -> None:
    email = _email("reopener")
    sign_in(page, portal, email)
    made = make_photos(portal, email, with_scripts=True)["made"][0]
    first, second = made["scripts"]
    portal.query(  # a script written as 12 s for a particular audience, in French
        "UPDATE generated_scripts SET audience = 'night owls', language = 'fr', "
        "target_duration = 12 WHERE id = ?",
        second,
    )
    page.goto(portal.url + "/library")
    page.locator(f".library-script[data-script-id='{second}']").get_by_role(
        "link", name="Open in Studio"
    ).click()

    expect(page.locator("#studio-script")).to_contain_text(f"Regenerated from #{first}")
    expect(page.get_by_label("Product name")).to_have_value("Product 1")
    expect(page.get_by_label("Audience")).to_have_value("night owls")
    expect(page.get_by_label("Tone")).to_contain_text("Calm")
    expect(page.get_by_label("Language")).to_contain_text("French")
    expect(page.get_by_label("Length")).to_contain_text("12 seconds")
    expect(page.get_by_role("button", name="Write script")).to_be_enabled()
    # The clip form starts at the script's length, which the draft model offers.
    duration = page.locator("#studio-video-step").get_by_role("group", name="Duration")
    expect(duration.get_by_role("radio", name="12 s")).to_be_checked()
    expect(page.locator("#video-price")).to_have_text("12")
    expect(page).to_have_url(re.compile(rf"/studio\?photo={made['image']}&script={second}$"))
    shot(page, "studio-reopened")

    # Writing again from the restored brief works at once (the product is filled in).
    page.get_by_role("button", name="Write script").click()
    expect(page.locator("#studio-script")).not_to_contain_text("Regenerated from")
    new = _scripts(portal, user_id(portal, email))[-1]
    assert portal.query(
        "SELECT product, audience, tone, language, target_duration FROM generated_scripts "
        "WHERE id = ?",
        new,
    ) == [("Product 1", "night owls", "calm", "fr", 12)]


def test_paid_buttons_the_balance_cannot_cover_are_off_and_say_why(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("short")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    page.get_by_label("Product name").fill("Aurora water bottle")
    page.get_by_role("button", name="Write script").click()
    expect(page.locator("#studio-script-text")).to_contain_text("HOOK")
    portal.python("-c", _LEAVE, email, "8")
    page.reload()  # the balance, read again
    expect(page.locator("#header-credits")).to_have_text("8 credits")

    write = page.get_by_role("button", name="Write script")
    expect(write).to_be_disabled()
    short = page.locator("#studio-script-short")
    expect(short).to_have_text("This costs 10 credits and you have 8: 2 more needed.")
    way = page.locator("#studio-brief-step .credits-short")
    expect(way).to_contain_text("Your next daily bonus of 10 credits comes with your first sign-in")
    expect(way.get_by_role("link", name="Buy credits")).to_have_attribute("href", "/billing")

    page.get_by_role("button", name="Regenerate").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("(you have 8)")
    expect(dialog.locator("#studio-regenerate-short")).to_have_text(
        "This costs 10 credits and you have 8: 2 more needed."
    )
    expect(dialog.get_by_role("button", name="Regenerate for 10 credits")).to_be_disabled()
    shot(page, "studio-regenerate-short")
    dialog.get_by_role("button", name="Cancel").click()

    # Generate says the same, with the same way forward.
    page.locator("#studio-video-step").get_by_role("group", name="Duration").get_by_role(
        "radio", name="12 s"
    ).click()
    expect(page.get_by_role("button", name="Generate 1 clip")).to_be_disabled()
    expect(page.locator("#video-why-not")).to_have_text(
        "This costs 12 credits and you have 8: 4 more needed."
    )
    expect(page.locator("#studio-video-step .credits-short")).to_contain_text("daily bonus")
    owner = user_id(portal, email)
    assert len(_scripts(portal, owner)) == 1
    shot(page, "studio-short-of-credits")


def test_step_three_is_not_done_while_no_photo_is_chosen(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    sign_in(page, portal, _email("stepper"), path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    page.locator("#video-prompt").fill("The bottle on a table")
    page.get_by_role("button", name="Generate 1 clip").click()
    step = page.locator("#studio-video-step .step-number")
    expect(step).to_have_attribute("data-done", "true")
    page.get_by_role("button", name="Use another photo").click()
    expect(page.get_by_text("Drop a product photo here")).to_be_visible()
    expect(step).to_have_attribute("data-done", "false")
    expect(step).to_have_text("3")
    expect(page.locator(".clip-card")).to_have_count(1)  # the clip is still listed
