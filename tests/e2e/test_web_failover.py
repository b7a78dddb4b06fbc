"""The production layout (tests/e2e/web_cluster.py): nginx in front of two web processes
that keep each tab's state in Redis. A web process killed mid-stream costs the tab nothing:
it reconnects through nginx to the other one, keeps its session and page, and its clips'
progress carries on live; page loads and sign-ins skip a dead process."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.nginx_conf import NGINX
from tests.conftest import REQUIRE_SERVICES
from tests.e2e.clips import WATCH_PERCENT, card, open_library_videos, request, video_row
from tests.e2e.conftest import shot
from tests.e2e.media import make_photos
from tests.e2e.servers import CHROMIUM, ServerError, sign_in
from tests.e2e.web_cluster import Cluster, running_cluster

pytestmark = pytest.mark.e2e

RENDER_MS = 150_000  # three 12 s drafts, two at a time, on a busy machine


@pytest.fixture(scope="module")
def cluster(oidc_provider: str) -> Iterator[Cluster]:
    for program in (CHROMIUM, NGINX):
        if not Path(program).exists():
            message = f"{program} is missing; run scripts/browser.sh"
            if REQUIRE_SERVICES:
                pytest.fail(message)
            pytest.skip(message)
    try:
        with running_cluster(oidc_provider) as running:
            yield running
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture
def page(browser: Browser, cluster: Cluster) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    yield context.new_page()
    context.close()


def test_a_tab_carries_on_when_its_web_process_dies(page: Page, cluster: Cluster) -> None:
    portal = cluster.portal
    # Web process 1 is down while the user signs in: nginx passes the OAuth round trip and
    # the page's event socket to web process 0, the only one alive.
    cluster.kill_web(1)
    email = f"failover.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email, path="/studio")
    assert f"127.0.0.1:{cluster.web_ports[1]}" in cluster.nginx_errors()  # tried, skipped
    made = make_photos(portal, email)

    # Web process 1 is back. The tab keeps its socket on web process 0 (no reload below).
    cluster.start_web(1)
    clips = request(portal, made["user"], made["made"][0]["image"], count=3, duration=12)
    open_library_videos(page)
    for clip in clips:
        expect(card(page, clip)).to_be_visible()
    page.evaluate("window.__sameDocument = 'yes'")
    page.evaluate(WATCH_PERCENT)
    page.wait_for_function(
        "() => window.__percents.some((p) => p > 0 && p < 100)", timeout=RENDER_MS
    )
    shot(page, "web-failover-before")

    # Mid-stream, the process holding the tab's socket dies without a goodbye. The last clip
    # is still to finish: only the new socket can bring its end.
    last = card(page, clips[-1]).get_attribute("data-status")
    cluster.kill_web(0)
    page.evaluate("window.__percents = []")
    assert last in ("pending", "processing"), last
    expect(page.locator("#header-user-email")).to_have_text(email)
    # Progress through web process 1: it moves, then every clip completes, in this document.
    page.wait_for_function(
        "() => window.__percents.some((p) => p > 0 && p < 100)", timeout=RENDER_MS
    )
    for clip in clips:
        expect(card(page, clip)).to_have_attribute("data-status", "completed", timeout=RENDER_MS)
        assert video_row(portal, clip)[0] == "completed"
    assert page.evaluate("window.__sameDocument") == "yes"
    moving = [p for p in page.evaluate("window.__percents") if 0 < p < 100]
    assert moving, "no progress reached the tab after its web process died"
    expect(page.locator("#header-user-email")).to_have_text(email)
    shot(page, "web-failover-after")

    # A new page load and its events, through the survivor: signed in through web process 0,
    # the session carries on on web process 1.
    page.reload()
    expect(page.locator("#header-user-email")).to_have_text(email)
    expect(page).to_have_url(re.compile(r"/library"))
    page.get_by_role("tab", name="Photos").click()
    page.get_by_role("tab", name="Videos").click()
    for clip in clips:
        expect(card(page, clip)).to_have_attribute("data-status", "completed")
    expect(card(page, clips[0]).locator("video")).to_have_count(1)  # media through nginx
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("Batch of 3 clips").first).to_be_visible()  # the history, read
    expect(page.locator("#header-user-email")).to_have_text(email)
    shot(page, "web-failover-reloaded")
