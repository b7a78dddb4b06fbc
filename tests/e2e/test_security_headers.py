"""Every page works under the portal's Content-Security-Policy (Chromium reports no
violation), pages/API/media carry the security headers, a sign-in started on another host
name ends signed in, and the API docs render with every other host blocked."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import Portal, shot, sign_in
from tests.support.samples import jpeg

pytestmark = pytest.mark.e2e

# Recorded before any page script runs, so nothing a page does can hide a violation.
_WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI);
});
"""

PAGES = [
    ("/studio", "#header-user-email"),
    ("/library", "#header-user-email"),
    ("/account", "#header-user-email"),
    ("/console/users", "#header-user-email"),
    ("/", "#header-user-email"),
]


def _watch(page: Page) -> list[str]:
    console: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            console.append(message.text)

    page.on("console", record)
    page.add_init_script(_WATCH_CSP)
    return console


def _violations(page: Page, console: list[str]) -> list[str]:
    seen = list(page.evaluate("window.__cspViolations"))
    return seen + [m for m in console if "Content Security Policy" in m or "CSP" in m]


def test_every_page_works_under_the_csp(page: Page, portal: Portal) -> None:
    console = _watch(page)
    page.goto(portal.url + "/signin")
    expect(page.get_by_role("link", name="Sign in with Google")).to_be_visible()
    assert _violations(page, console) == []

    sign_in(page, portal, "admin@v4a.example", path="/account")
    for path, ready in PAGES:
        page.goto(portal.url + path)
        expect(page.locator(ready)).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert _violations(page, console) == [], path
    # The event socket works under connect-src: the rows arrive through on_load's events.
    page.goto(portal.url + "/console/users")
    expect(page.get_by_role("row").nth(1)).to_be_visible()
    shot(page, "csp-console-users")
    assert _violations(page, console) == []
    # Signing out runs a script the server sends (Reflex evaluates it): allowed too.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin/?$"))
    assert _violations(page, console) == []


def test_pages_api_and_media_carry_the_security_headers(portal: Portal) -> None:
    pair = json.loads(portal.cli("user", "token", "analyst@v4a.example"))
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    with httpx.Client(base_url=portal.url, follow_redirects=True) as client:
        page = client.get("/signin")
        api = client.get("/api/v1/me", headers=bearer)
        docs = client.get("/api/docs")
        photo = client.post(
            "/api/v1/ai/upload-image",
            headers=bearer,
            files={"file": ("mug.jpg", jpeg((120, 90)), "image/jpeg")},
        )
        assert photo.status_code in (200, 201), photo.text
        media = client.get(photo.json()["storage_url"])
    for answer in (page, api, docs, media):
        assert answer.status_code == 200, answer.url
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp or "sandbox" in csp, answer.url
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "object-src 'none'" in page.headers["content-security-policy"]
    # Media keeps its own stricter policy: nothing runs there.
    assert media.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )


def test_the_console_cannot_be_framed(page: Page, portal: Portal) -> None:
    sign_in(page, portal, "admin@v4a.example", path="/console/users")
    page.set_content(f'<iframe id="f" src="{portal.url}/console/users"></iframe>')
    page.wait_for_timeout(1500)
    frame = page.frame_locator("#f")
    expect(frame.locator("#header-user-email")).to_have_count(0)


def test_sign_in_started_on_localhost_ends_signed_in(page: Page, portal: Portal) -> None:
    other_host = portal.url.replace("127.0.0.1", "localhost")
    email = f"local.{uuid.uuid4().hex[:8]}@example.com"
    page.goto(other_host + "/account")
    # Moved to the public host before anything else: the sign-in page is on 127.0.0.1.
    expect(page).to_have_url(re.compile(re.escape(portal.url) + r"/signin"))
    page.get_by_role("link", name="Sign in with Google").click()
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(re.escape(portal.url + "/account")))
    expect(page.locator("#header-user-email")).to_have_text(email)
    assert "mismatching_state" not in page.url


def test_api_docs_render_offline(page: Page, portal: Portal) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    # The page fixture already aborts every request to a host other than this machine.
    page.goto(portal.url + "/api/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() >= 20
    expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
    shot(page, "api-docs-offline")
    assert [u for u in asked if not u.startswith(portal.url)] == []
