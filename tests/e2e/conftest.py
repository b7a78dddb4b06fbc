"""One real portal per test session for the browser tests.

The OIDC provider (tests/conftest.py's `oidc_provider`), a migrated SQLite database with
demo data in a temp dir, and `reflex run --env prod --single-port` on a free port, driven
by Debian's Chromium through Playwright. Each test gets a fresh browser context (no cookies).
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import REQUIRE_SERVICES, free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SHOTS = ROOT / "test-results" / "e2e"
_NOT_LOCAL = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")
# The first prod build of the frontend takes a minute or two.
STARTUP_SECONDS = 300

expect.set_options(timeout=20_000)


@dataclass
class Portal:
    url: str
    oidc_url: str
    data_dir: Path
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        """`python -m v4a_portal ...` against the portal's database."""
        return self.python("-m", "v4a_portal", *args)

    def python(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.data_dir / "v4a.db") as conn:
            return conn.execute(sql, params).fetchall()


def _portal_env(port: int, oidc_url: str, data_dir: Path) -> dict[str, str]:
    # tests/conftest.py set V4A_* for in-process tests at import; override them all here.
    env = dict(os.environ)
    env.update(
        {
            "V4A_PORT": str(port),
            "V4A_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "V4A_DATA_DIR": str(data_dir),
            "DATABASE_URL": "",
            "V4A_OIDC_DISCOVERY_URL": f"{oidc_url}/.well-known/openid-configuration",
            "V4A_ADMIN_EMAILS": "",
            "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}",
            "REFLEX_USE_SYSTEM_BUN": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _wait_until_up(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"reflex exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            health = httpx.get(f"{url}/api/health", timeout=3)
            index = httpx.get(f"{url}/", timeout=3)
            if health.status_code in (200, 503) and index.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    pytest.fail(f"the portal did not answer within {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # reflex, uvicorn workers and bun share the group
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def portal(oidc_provider: str) -> Iterator[Portal]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing; run scripts/browser.sh"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    tmp = Path(tempfile.mkdtemp(prefix="v4a-e2e-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    port = free_port()
    env = _portal_env(port, oidc_provider, data_dir)
    portal = Portal(f"http://127.0.0.1:{port}", oidc_provider, data_dir, env)
    portal.cli("db", "upgrade")
    portal.cli("seed-demo")
    log = tmp / "reflex.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod", "--single-port"],
            cwd=ROOT,
            env=portal.env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(proc, portal.url, log)
        yield portal
    finally:
        _stop(proc)


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


def shot(page: Page, name: str) -> Path:
    """A full-page PNG under test-results/e2e/ (gitignored), to look at by eye."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def start_sign_in(page: Page, portal: Portal, path: str = "/account") -> None:
    """Open `path` signed out, land on /signin, follow the Google button to the provider."""
    page.goto(portal.url + path)
    expect(page).to_have_url(re.compile(r"/signin"))
    page.get_by_role("link", name="Sign in with Google").click()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()


def sign_in(
    page: Page, portal: Portal, email: str, name: str | None = None, path: str = "/account"
) -> None:
    """The whole OAuth round trip through the provider's form, as `email`."""
    if name:
        claims = {"email": email, "name": name}
        httpx.put(f"{portal.oidc_url}/users/{email}", json=claims).raise_for_status()
    start_sign_in(page, portal, path)
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(re.escape(portal.url + path)))
    expect(page.locator("#header-user-email")).to_have_text(email)
