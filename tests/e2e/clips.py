"""Video clips for the browser tests, made through the same services the UI calls (in the
portal's environment, so the portal's worker renders them), and what the page shows of them."""

from __future__ import annotations

import json
import time

from playwright.sync_api import Locator, Page, expect
from redis import Redis

from tests.e2e.servers import Portal

# Requests `count` draft clips of a user's photo (and script), then cancels the first
# `cancel` of them while they are still queued. Prints the ids as JSON, oldest first.
_REQUEST = """
import json, sys
from v4a_portal.services import videos

user, image, script, count, cancel, duration = (int(a) for a in sys.argv[1:7])
ids = videos.request(
    user, image, script or None, "Slow push-in on the product", "draft", duration,
    "720x1280", count,
).video_ids
for video_id in ids[:cancel]:
    videos.cancel(user, video_id)
print(json.dumps(ids))
"""

# Cancels the user's clips that are still active (so the worker is free for the next test).
_CANCEL = """
import sys
from v4a_portal.services import videos
from v4a_portal.services.errors import Conflict
for video_id in sys.argv[2:]:
    try:
        videos.cancel(int(sys.argv[1]), int(video_id))
    except Conflict:
        pass
"""

_CHANNEL = """
import sys
from v4a_portal.services import progress
print(progress.channel(int(sys.argv[1])))
"""

# Grants credits through the ledger (a staff adjustment), so reconcile stays clean.
_GRANT = """
import sys, uuid
from v4a_portal.services import ledger
ledger.apply(user_id=int(sys.argv[1]), delta=int(sys.argv[2]), kind="staff_adjustment",
             key=f"e2e-grant:{uuid.uuid4().hex}", note="test")
"""


def request(
    portal: Portal,
    user: int,
    image: int,
    script: int | None = None,
    *,
    count: int = 1,
    cancel: int = 0,
    duration: int = 4,
) -> list[int]:
    args = (user, image, script or 0, count, cancel, duration)
    out = portal.python("-c", _REQUEST, *map(str, args))
    return json.loads(out.strip().splitlines()[-1])


def cancel_clips(portal: Portal, user: int, ids: list[int]) -> None:
    portal.python("-c", _CANCEL, str(user), *map(str, ids))


_channels: dict[tuple[str, int], str] = {}


def _channel(portal: Portal, user: int) -> str:
    """The channel's name as the portal makes it (asked once: it starts a Python)."""
    key = (portal.url, user)
    if key not in _channels:
        _channels[key] = portal.python("-c", _CHANNEL, str(user)).strip()
    return _channels[key]


def listeners(portal: Portal, user: int) -> int:
    """How many connections listen to the user's progress channel (one per web process
    serving a watching tab)."""
    channel = _channel(portal, user)
    with Redis.from_url(portal.redis_url) as redis:
        return dict(redis.pubsub_numsub(channel)).get(channel.encode(), 0)


def wait_for_listeners(portal: Portal, user: int, count: int, seconds: float = 20) -> None:
    """Until exactly `count` listen, and still do a second later."""
    deadline = time.monotonic() + seconds
    while True:
        if listeners(portal, user) == count:
            time.sleep(1)
            if listeners(portal, user) == count:
                return
        assert time.monotonic() < deadline, f"{listeners(portal, user)} listening, not {count}"
        time.sleep(0.2)


def grant(portal: Portal, user: int, credits: int) -> None:
    portal.python("-c", _GRANT, str(user), str(credits))


def open_library_videos(page: Page) -> None:
    """The Library by its link (the tab keeps its socket), then its Videos tab.

    The click waits for the page's photos: Reflex sends a click at once, and with the state
    in Redis (several web processes) events do not wait in order for the tab's lock, so a
    loader still to run would set the tab back to the one the URL names.
    """
    page.get_by_role("link", name="Library").click()
    expect(page.locator("#library-photos")).to_be_visible()
    page.get_by_role("tab", name="Videos").click()
    expect(page.get_by_role("tab", name="Videos")).to_have_attribute("aria-selected", "true")


def card(page: Page, video_id: int) -> Locator:
    return page.locator(f".clip-card[data-video-id='{video_id}']")


def video_row(portal: Portal, video_id: int) -> tuple:
    """(status, progress, credits_used, refunded, error_message) of a clip."""
    return portal.query(
        "SELECT status, progress, credits_used, refunded_at IS NOT NULL, error_message "
        "FROM videos WHERE id = ?",
        video_id,
    )[0]


# Records every value the clip's percentage shows, from before the clip starts: the page
# swaps the card's parts as the status changes, so it watches the whole document.
WATCH_PERCENT = """() => {
    window.__percents = [];
    const seen = () => {
        for (const el of document.querySelectorAll('.clip-percent')) {
            const value = parseInt(el.textContent, 10);
            if (window.__percents.at(-1) !== value) window.__percents.push(value);
        }
    };
    new MutationObserver(seen).observe(document.body,
        {subtree: true, childList: true, characterData: true});
}"""
