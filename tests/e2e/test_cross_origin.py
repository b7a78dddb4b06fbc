"""Another origin (a page on another port of the same host) can neither read the API with
the user's cookie nor write with it, by fetch or by a plain form; the portal's own pages
can. The event websocket refuses a foreign Origin at the handshake."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
import websockets
from playwright.sync_api import Page, expect

from tests.conftest import run_async
from tests.e2e.conftest import Portal, sign_in
from tests.e2e.foreign_site import foreign_site
from tests.support.samples import jpeg

pytestmark = pytest.mark.e2e


def _customer_with_a_script(page: Page, portal: Portal) -> tuple[dict[str, str], int]:
    """A user signed in in `page`, with a photo and a script; returns (bearer headers, id)."""
    email = f"target.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email, name="Tara Target")
    pair = json.loads(portal.cli("user", "token", email))
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    with httpx.Client(base_url=portal.url, headers=headers) as api:
        photo = api.post(
            "/api/v1/ai/upload-image", files={"file": ("mug.jpg", jpeg((200, 150)), "image/jpeg")}
        )
        assert photo.status_code in (200, 201), photo.text
        made = api.post(
            "/api/v1/ai/generate-script", json={"image_id": photo.json()["id"], "product": "Mug"}
        )
        assert made.status_code == 201, made.text
    return headers, int(made.json()["script"]["id"])


def _credits(portal: Portal, headers: dict[str, str]) -> int:
    return int(httpx.get(f"{portal.url}/api/v1/me", headers=headers).json()["credits"])


_ATTEMPTS = """async ([api, scriptId]) => {
  const tryIt = async (what, go) => {
    try { const r = await go(); return [what, "status " + r.status + " " + (await r.text())]; }
    catch (e) { return [what, "blocked"]; }
  };
  return Object.fromEntries([
    await tryIt("read me", () => fetch(api + "/api/v1/me", {credentials: "include"})),
    await tryIt("json regenerate", () => fetch(api + "/api/v1/scripts/" + scriptId + "/regenerate",
      {method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
       body: "{}"})),
    await tryIt("patch script", () => fetch(api + "/api/v1/scripts/" + scriptId,
      {method: "PATCH", credentials: "include", headers: {"Content-Type": "application/json"},
       body: JSON.stringify({script_text: "HOOK: x"})})),
    await tryIt("simple regenerate", () => fetch(api + "/api/v1/scripts/" + scriptId +
      "/regenerate", {method: "POST", credentials: "include", mode: "no-cors"})
      .then(r => ({status: r.type, text: async () => ""}))),
  ]);
}"""


def test_another_origin_can_neither_read_nor_write_with_the_cookie(
    page: Page, portal: Portal
) -> None:
    headers, script_id = _customer_with_a_script(page, portal)
    before = _credits(portal, headers)
    with foreign_site({"/": "<!doctype html><title>elsewhere</title><p>hello</p>"}) as site:
        page.goto(site + "/")
        results = page.evaluate(_ATTEMPTS, [portal.url, script_id])

    # CORS: no credentialed read, no preflight passed for JSON or PATCH.
    assert results["read me"] == "blocked"
    assert results["json regenerate"] == "blocked"
    assert results["patch script"] == "blocked"
    # A no-cors POST is sent (the browser only hides the answer): the Origin check refuses it.
    assert results["simple regenerate"] == "status opaque "
    assert _credits(portal, headers) == before


def test_a_plain_form_from_another_origin_is_refused(page: Page, portal: Portal) -> None:
    headers, script_id = _customer_with_a_script(page, portal)
    before = _credits(portal, headers)
    form = (
        "<!doctype html><title>win a prize</title>"
        f'<form method="post" action="{portal.url}/api/v1/scripts/{script_id}/regenerate">'
        '<button id="go">Claim</button></form>'
    )
    with foreign_site({"/prize": form}) as site:
        page.goto(site + "/prize")
        with page.expect_response(lambda r: "/regenerate" in r.url) as answer:
            page.locator("#go").click()
        assert answer.value.status == 403
        assert answer.value.json()["error"]["code"] == "cross_origin_refused"
    assert _credits(portal, headers) == before


def test_the_portals_own_pages_read_and_write(page: Page, portal: Portal) -> None:
    headers, script_id = _customer_with_a_script(page, portal)
    before = _credits(portal, headers)
    page.goto(portal.url + "/studio")
    expect(page.locator("#header-user-email")).to_be_visible()
    results = page.evaluate(_ATTEMPTS, ["", script_id])
    assert results["read me"].startswith("status 200 ")
    assert results["json regenerate"].startswith("status 201 ")
    assert results["patch script"].startswith("status 422 ")  # reached the route: bad text
    assert _credits(portal, headers) == before - 20  # two regenerations


def test_cors_answers_only_the_portals_own_origin(portal: Portal) -> None:
    foreign = "http://127.0.0.1:1"
    for path in ("/api/v1/me", "/", "/media/none.jpg", "/_event/?EIO=4&transport=polling"):
        answer = httpx.get(portal.url + path, headers={"Origin": foreign})
        assert "access-control-allow-origin" not in answer.headers, path
        own = httpx.get(portal.url + path, headers={"Origin": portal.url})
        assert own.headers.get_list("access-control-allow-origin") in ([], [portal.url]), path
    preflight = httpx.options(
        f"{portal.url}/api/v1/scripts/1",
        headers={"Origin": foreign, "Access-Control-Request-Method": "PATCH"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    upload = httpx.options(
        f"{portal.url}/_upload",
        headers={"Origin": foreign, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in upload.headers


async def _handshake(url: str, origin: str) -> str:
    try:
        async with websockets.connect(url, origin=origin, open_timeout=10) as socket:  # type: ignore[arg-type]
            return str(await asyncio.wait_for(socket.recv(), 10))
    except websockets.InvalidStatus as refused:
        return f"refused {refused.response.status_code}"


def test_the_event_socket_refuses_a_foreign_origin(portal: Portal) -> None:
    url = portal.url.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket"
    assert run_async(_handshake(url, "http://127.0.0.1:1")) == "refused 403"
    assert run_async(_handshake(url, "null")) == "refused 403"
    assert run_async(_handshake(url, portal.url)).startswith('0{"sid"')  # engine.io open
