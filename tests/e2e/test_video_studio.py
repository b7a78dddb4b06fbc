"""The Studio's video step in Chromium with a real worker: the live price, Generate, the
progress bar fed by the worker's messages, the clip playing inline, and credits that follow
every debit and refund in the header without a reload."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.clips import WATCH_PERCENT, card, video_row
from tests.e2e.conftest import Portal, shot_at, sign_in
from tests.e2e.media import product_jpeg, stored_files, user_id

pytestmark = pytest.mark.e2e

RENDER_MS = 120_000  # a draft clip renders in seconds; the machine may be busy


def _email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}@example.com"


def _upload(page: Page, path: Path) -> None:
    page.locator("#studio-photo-step input[type=file]").set_input_files(str(path))
    expect(page.locator("#studio-photo-name")).to_have_text(path.name)


def _write_script(page: Page) -> None:
    page.get_by_label("Product name").fill("Aurora water bottle")
    page.get_by_role("button", name="Write script").click()
    expect(page.locator("#studio-script-text")).to_contain_text("VIDEO PROMPT")


def _video_step(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#studio-video-step")


def _choose(page: Page, group: str, option: str) -> None:
    _video_step(page).get_by_role("group", name=group).get_by_role("radio", name=option).click()


def _only_clip_id(portal: Portal, owner: int) -> int:
    rows = portal.query("SELECT id FROM videos WHERE user_id = ?", owner)
    assert len(rows) == 1, rows
    return rows[0][0]


def test_one_draft_clip_from_photo_and_script_plays_inline(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("director")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    _write_script(page)
    expect(page.locator("#header-credits")).to_have_text("40 credits")
    step = _video_step(page)

    # The price follows every choice, computed on the server from the catalog.
    expect(step.get_by_label("Model")).to_contain_text("Draft preview")
    # The clip starts at the script's length (8 s by default): 8 s x 1 credit/s x 1 clip.
    expect(
        step.get_by_role("group", name="Duration").get_by_role("radio", name="8 s")
    ).to_be_checked()
    expect(page.locator("#video-price")).to_have_text("8")
    expect(page.locator("#video-balance")).to_have_text("40")
    _choose(page, "Duration", "12 s")
    expect(page.locator("#video-price")).to_have_text("12")
    step.get_by_label("Clips").click()
    page.get_by_role("option", name="3", exact=True).click()
    expect(page.locator("#video-price")).to_have_text("36")
    expect(page.get_by_role("button", name="Generate 3 clips")).to_be_enabled()
    _choose(page, "Duration", "4 s")
    step.get_by_label("Clips").click()
    page.get_by_role("option", name="1", exact=True).click()
    expect(page.locator("#video-price")).to_have_text("4")
    _choose(page, "Format", "Portrait 9:16")
    # The prompt comes prefilled with the script's VIDEO PROMPT.
    expect(page.locator("#video-prompt")).not_to_have_value("")

    page.evaluate("window.__sameDocument = 'yes'")
    page.evaluate(WATCH_PERCENT)
    page.get_by_role("button", name="Generate 1 clip").click()

    # Debited at once, in the header, without a reload.
    expect(page.locator("#header-credits")).to_have_text("36 credits")
    owner = user_id(portal, email)
    video_id = _only_clip_id(portal, owner)
    clip = card(page, video_id)
    expect(clip).to_be_visible()
    expect(clip).to_contain_text("4 s · Portrait · Draft preview")
    expect(clip).to_contain_text("bottle.jpg")  # its lineage: the photo and the script
    expect(clip.locator(".clip-script")).to_contain_text("Aurora water bottle")
    expect(clip).to_have_attribute("data-status", "processing", timeout=RENDER_MS)
    page.wait_for_function("() => window.__percents.some((p) => p > 0 && p < 100)")
    shot_at(page, "studio-clip-rendering", "#studio-clips")

    expect(clip).to_have_attribute("data-status", "completed", timeout=RENDER_MS)
    expect(clip.locator(".clip-status")).to_have_text("Ready")
    percents = page.evaluate("window.__percents")
    moving = [p for p in percents if 0 < p < 100]
    assert len(set(moving)) >= 2 and moving == sorted(moving), percents  # it moved, forward

    player = clip.locator("video.clip-video")
    expect(player).to_have_attribute("src", re.compile(r"/media/videos/\d+/.+\.mp4$"))
    page.wait_for_function(
        "() => document.querySelector('video.clip-video')?.readyState >= 2", timeout=30_000
    )
    # It plays: muted, inline, time advancing.
    player.evaluate("v => v.play()")
    page.wait_for_function("() => document.querySelector('video.clip-video').currentTime > 0.3")
    assert player.evaluate("v => [v.muted, v.playsInline, v.videoWidth, v.videoHeight]") == [
        True,
        True,
        720,
        1280,
    ]
    download = clip.get_by_role("link", name="Download")
    # The route that counts the download (analytics), then redirects to the file.
    expect(download).to_have_attribute("href", f"/api/v1/videos/{video_id}/download")
    expect(download).to_have_attribute("download", f"v4a-clip-{video_id}.mp4")
    with page.expect_download() as saved:
        download.click()
    assert saved.value.suggested_filename == f"v4a-clip-{video_id}.mp4"
    key = portal.query("SELECT file_path FROM videos WHERE id = ?", video_id)[0][0]
    assert Path(saved.value.path()).read_bytes() == (portal.data_dir / "media" / key).read_bytes()
    downloads = portal.query(
        "SELECT user_id, source FROM video_downloads WHERE video_id = ?", video_id
    )
    assert downloads == [(owner, "button")]  # once: the redirect's target counts nothing

    expect(page.locator("#header-credits")).to_have_text("36 credits")
    assert page.evaluate("window.__sameDocument") == "yes"
    assert video_row(portal, video_id)[:4] == ("completed", 100, 4, 0)
    player.evaluate("v => { v.pause(); v.currentTime = 1.5; }")
    page.wait_for_function("() => document.querySelector('video.clip-video').readyState >= 2")
    shot_at(page, "studio-clip-completed", "#studio-clips")


def test_cancelling_a_running_clip_refunds_it_in_the_header(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("canceller")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg", colour=(180, 70, 40)))
    expect(page.locator("#header-credits")).to_have_text("50 credits")
    # Without a script the prompt is the brief; the longest clip leaves time to cancel.
    page.locator("#video-prompt").fill("The bottle turns slowly on a wooden table")
    _choose(page, "Duration", "12 s")
    _choose(page, "Format", "Landscape 16:9")
    expect(page.locator("#video-price")).to_have_text("12")
    page.get_by_role("button", name="Generate 1 clip").click()
    expect(page.locator("#header-credits")).to_have_text("38 credits")
    video_id = _only_clip_id(portal, user_id(portal, email))
    clip = card(page, video_id)
    expect(clip).to_contain_text("12 s · Landscape")
    expect(clip.locator(".clip-percent")).not_to_have_text("0%", timeout=RENDER_MS)

    clip.get_by_role("button", name=f"Cancel clip {video_id}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("12 credits")
    dialog.get_by_role("button", name="Cancel clip").click()

    expect(clip).to_have_attribute("data-status", "canceled")
    expect(clip.locator(".clip-error")).to_have_text("Canceled. Your credits were refunded.")
    expect(clip.locator(".clip-refunded")).to_be_visible()
    expect(page.locator("#header-credits")).to_have_text("50 credits")
    expect(clip.locator("video")).to_have_count(0)
    status, _, credits, refunded, _ = video_row(portal, video_id)
    assert (status, credits, refunded) == ("canceled", 12, 1)
    shot_at(page, "studio-clip-canceled", "#studio-clips")


def test_a_clip_that_fails_says_why_and_gives_the_credits_back(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    email = _email("unlucky")
    sign_in(page, portal, email, path="/studio")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg", colour=(60, 140, 90)))
    for stored in stored_files(portal, user_id(portal, email)):
        stored.unlink()  # the photo is lost from storage: the render cannot start
    page.locator("#video-prompt").fill("A close-up of the label")
    page.get_by_role("button", name="Generate 1 clip").click()
    # The clip fails at once: the header may skip the 46 between the debit and the refund.
    expect(page.locator(".clip-card")).to_have_count(1)
    owner = user_id(portal, email)
    video_id = _only_clip_id(portal, owner)
    clip = card(page, video_id)

    expect(clip).to_have_attribute("data-status", "failed", timeout=RENDER_MS)
    expect(clip.locator(".clip-error")).to_have_text(
        "The photo of this clip is missing. Your credits were refunded."
    )
    expect(clip.locator(".clip-refunded")).to_be_visible()
    expect(page.locator("#header-credits")).to_have_text("50 credits")
    assert video_row(portal, video_id)[:4] == ("failed", 0, 4, 1)
    assert portal.query(
        "SELECT kind, delta FROM credit_ledger WHERE user_id = ? AND kind IN ('video', 'refund') "
        "ORDER BY id",
        owner,
    ) == [("video", -4), ("refund", 4)]


def test_generate_waits_for_enough_credits_and_says_so(
    page: Page, portal: Portal, tmp_path: Path
) -> None:
    sign_in(page, portal, _email("thrifty"), path="/studio")
    expect(page.get_by_role("button", name="Generate 1 clip")).to_be_disabled()
    expect(page.locator("#video-why-not")).to_have_text("Choose or upload a photo first.")
    _upload(page, product_jpeg(tmp_path / "bottle.jpg"))
    expect(page.locator("#video-why-not")).to_have_count(0)  # the photo was all it needed
    expect(page.get_by_role("button", name="Generate 1 clip")).to_be_enabled()
    page.locator("#video-prompt").fill("The bottle on a beach")
    _choose(page, "Duration", "12 s")
    _video_step(page).get_by_label("Clips").click()
    page.get_by_role("option", name="5", exact=True).click()

    expect(page.locator("#video-price")).to_have_text("60")
    expect(page.get_by_role("button", name="Generate 5 clips")).to_be_disabled()
    expect(page.locator("#video-why-not")).to_have_text(
        "This costs 60 credits and you have 50: 10 more needed."
    )
    _video_step(page).get_by_label("Clips").click()
    page.get_by_role("option", name="4", exact=True).click()
    expect(page.get_by_role("button", name="Generate 4 clips")).to_be_enabled()
    expect(page.locator("#video-why-not")).to_have_count(0)
