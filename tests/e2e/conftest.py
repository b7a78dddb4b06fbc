"""One real portal per test session for the browser tests (tests/e2e/servers.py): the OIDC
provider (tests/conftest.py's `oidc_provider`), a private Redis, a migrated SQLite database
with demo data in a temp dir, an RQ worker, and `reflex run --env prod --single-port` on a
free port, driven by Debian's Chromium through Playwright. Each test gets a fresh browser
context (no cookies).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import REQUIRE_SERVICES
from tests.e2e.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    Portal,
    ServerError,
    running_portal,
    sign_in,
    start_sign_in,
)

__all__ = ["ROOT", "Portal", "shot", "shot_at", "sign_in", "start_sign_in"]

SHOTS = ROOT / "test-results" / "e2e"
_NOT_LOCAL = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")

expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def portal(oidc_provider: str) -> Iterator[Portal]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing; run scripts/browser.sh"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    try:
        with running_portal(oidc_provider) as running:
            yield running
    except ServerError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, portal: Portal) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    # Everything under test is local; the provider page's CDN stylesheet would only wait on DNS.
    context.route(_NOT_LOCAL, lambda route: route.abort())
    yield context.new_page()
    context.close()


def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A PNG under test-results/e2e/ (gitignored), to look at by eye: the full page, or the
    window as the user sees it (the sticky header on top)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def shot_at(page: Page, name: str, selector: str) -> Path:
    """The window scrolled so that `selector`'s bottom is at the bottom edge."""
    page.locator(selector).evaluate("el => el.scrollIntoView({block: 'end'})")
    return shot(page, name, full_page=False)
