"""The portal as `make run` serves it: several backend worker processes with each tab's state
in Redis (REFLEX_REDIS_URL, GRANIAN_WORKERS). A signed-in user's tab keeps its session and
state whichever process serves its next event or page load, and a clip's progress reaches
the tab live through whichever process holds its socket."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.clips import card, open_library_videos, request, video_row
from tests.e2e.conftest import shot
from tests.e2e.media import make_photos
from tests.e2e.servers import Portal, running_portal, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def portal(oidc_provider: str) -> Iterator[Portal]:
    # Its own frontend build: the session's portal keeps serving the checkout's `.web`.
    with running_portal(oidc_provider, web_workers=2, own_web_dir=True) as running:
        yield running


@pytest.fixture
def page(browser: Browser, portal: Portal) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    yield context.new_page()
    context.close()


def _worker_pids(portal: Portal) -> set[str]:
    web_log = (portal.log_dir / "web.log").read_text(errors="replace")
    return set(re.findall(r"Spawning worker-\d+ with \w+: (\d+)", web_log))


def test_a_tab_carries_on_across_backend_processes(page: Page, portal: Portal) -> None:
    assert len(_worker_pids(portal)) == 2  # two backend processes serve the port
    email = f"workers.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email, path="/studio")
    made = make_photos(portal, email)
    photo = made["made"][0]["image"]

    # The Studio remembers its selection in state and URL across full reloads (each a new
    # socket, served by either process).
    page.goto(f"{portal.url}/studio?photo={photo}")
    for _ in range(4):
        page.reload()
        expect(page.locator("#header-user-email")).to_have_text(email)
        expect(page).to_have_url(re.compile(rf"photo={photo}"))

    (clip,) = request(portal, made["user"], photo, duration=4)
    open_library_videos(page)
    expect(card(page, clip)).to_be_visible()
    expect(card(page, clip)).to_have_attribute("data-status", "completed", timeout=90_000)
    assert video_row(portal, clip)[0] == "completed"
    expect(card(page, clip).locator("video")).to_have_count(1)
    shot(page, "web-workers-library")
