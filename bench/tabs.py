"""Signed-in tabs at the protocol level, for the benches that need many users at once.

A real Chromium tab's `/_event` socket is recorded once (`record`: the Socket.IO CONNECT
packet with the page's hydrate event, then the events it sent), and replayed for other users
(`open_tab`) with their session cookie and a tab token of their own: the server cannot tell
it from a browser, and the bench's cores are not spent on renderers.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from playwright.async_api import BrowserContext, Page, WebSocket
from reflex_base.constants import Reflex
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect
from websockets.typing import Origin, Subprotocol

from tests.e2e.servers import Portal

ROOT_STATE = "reflex___state____state"
REFLEX_VERSION = Reflex.VERSION


async def sign_in(context: BrowserContext, portal: Portal, email: str) -> None:
    """The OIDC round trip in a page of `context`, which keeps the session cookie."""
    page = await context.new_page()
    await page.goto(f"{portal.url}/signin?next=/account")
    await page.get_by_role("link", name="Sign in with Google").click()
    await page.locator("input[name=sub]").fill(email)
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(re.compile(r"/account/?$"))
    await page.locator("#header-user-email").wait_for()
    await page.close()


# What a page's websocket sends before its data is on screen, as Chromium sent it.
@dataclass
class Recording:
    url: str  # the websocket's URL, with Chromium's token
    frames: list[str]  # the Socket.IO CONNECT packet ("40{...}"), then events ("42[...]")


async def record(page: Page, load: Callable[[], Awaitable[object]]) -> Recording:
    """What the page's socket sent while `load` ran (a navigation, then a wait until the
    page shows what the replay needs)."""
    sockets: list[Recording] = []

    def opened(ws: WebSocket) -> None:
        recording = Recording(ws.url, [])
        sockets.append(recording)
        ws.on(
            "framesent",
            lambda data: (
                recording.frames.append(data)
                if isinstance(data, str) and data.startswith(("40", "42"))
                else None
            ),
        )

    page.on("websocket", opened)
    await load()
    page.remove_listener("websocket", opened)
    # The page's own socket: the one that sent the CONNECT with the hydrate event.
    used = [r for r in sockets if r.frames and r.frames[0].startswith("40")]
    return Recording(used[-1].url, list(used[-1].frames))


def update_of(message: str) -> dict[str, Any] | None:
    """The state update a Socket.IO event carries ({"delta": ..., "events": ...}), if any."""
    if not message.startswith("42"):
        return None
    body = message[2:]
    if body.startswith("/"):  # "42/_event,[...]": Reflex's namespace comes first
        body = body.split(",", 1)[1]
    payload = json.loads(body)
    return payload[1] if len(payload) > 1 and isinstance(payload[1], dict) else None


def hydrated(message: str) -> bool:
    """Whether the message marks the page hydrated: the server ran its on_load handlers."""
    update = update_of(message) or {}
    return update.get("delta", {}).get(ROOT_STATE, {}).get("is_hydrated_rx_state_") is True


@asynccontextmanager
async def open_tab(
    portal: Portal, recording: Recording, cookie: str, token: str
) -> AsyncIterator[ClientConnection]:
    """A tab's socket replaying `recording` as the user of `cookie` ("name=value; ..."):
    connected, hydrated, the recorded events sent. Whoever reads it answers Engine.IO
    pings ("2" → "3"), or the server drops it."""
    url = re.sub(r"token=[^&]*", f"token={token}", recording.url)
    async with ws_connect(
        url,
        origin=Origin(portal.url),
        additional_headers={"Cookie": cookie},
        subprotocols=[Subprotocol(REFLEX_VERSION)],
        max_size=None,
        ping_interval=None,
    ) as ws:
        await ws.recv()  # Engine.IO open packet: "0{sid, pingInterval, ...}"
        connect, *events = recording.frames
        await ws.send(connect)
        while True:
            message = str(await asyncio.wait_for(ws.recv(), 60))
            if message == "2":  # Engine.IO ping
                await ws.send("3")
            elif hydrated(message):
                break
        for event in events:
            await ws.send(event)
        yield ws
