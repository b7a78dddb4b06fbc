"""Live progress latency: from a worker's publish to the new value in the browser's DOM.

    .venv/bin/python bench/progress_latency.py [--updates 200] [--clips 3] [--gap-ms 50]

Starts the portal as the browser tests do (tests/e2e/servers.py: private Redis, SQLite,
`reflex run --env prod --single-port`; no worker, so the clips stay queued and only this
script moves them), signs a new user in through the OIDC provider in Chromium, requests a
few draft clips and opens the Studio, whose background loop subscribes to the user's
progress channel. Then it publishes `--updates` progress messages round-robin over the
clips, each with the publish time (Date.now() epoch milliseconds, the same clock as the
browser's, on this machine), exactly as jobs/video.py does (progress.publish). In the page a
MutationObserver records Date.now() when a clip's percentage shows the new value.

Prints p50, p95 and max of (DOM change - publish) in ms, and any update never seen. The aim
is p95 < 300 ms. `--gap-ms` spaces the publishes (a worker publishes a clip's progress at
most twice a second; several clips interleave).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from redis import Redis  # noqa: E402

from tests.e2e.clips import request  # noqa: E402
from tests.e2e.media import make_photos  # noqa: E402
from tests.e2e.servers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Portal,
    oidc_provider,
    running_portal,
    sign_in,
)
from v4a_portal.services import progress  # noqa: E402
from v4a_portal.settings import get_settings  # noqa: E402

# In the page: every value each clip's percentage takes, with the time it appeared.
_OBSERVE = """() => {
    window.__seen = [];
    new MutationObserver(() => {
        const now = Date.now();
        for (const el of document.querySelectorAll('.clip-percent')) {
            const id = Number(el.closest('.clip-card').dataset.videoId);
            const value = parseInt(el.textContent, 10);
            const last = window.__seen.findLast((s) => s[0] === id);
            if (!last || last[1] !== value) window.__seen.push([id, value, now]);
        }
    }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _event(video_id: int, percent: int) -> dict[str, object]:
    """A running video's progress message, as the RQ job sends it, plus the time."""
    from v4a_portal.services.videos import events as video_events

    sent = {"sent_at_ms": time.time() * 1000}  # Date.now() in Python
    return {**video_events.progress_event(video_id, None, percent), **sent}


def _wait_for_listener(redis: Redis, user_id: int, seconds: float = 30) -> None:
    channel = progress.channel(user_id)
    deadline = time.monotonic() + seconds
    while dict(redis.pubsub_numsub(channel)).get(channel.encode(), 0) < 1:
        if time.monotonic() > deadline:
            raise SystemExit("the Studio never subscribed to the progress channel")
        time.sleep(0.05)


def _open_studio(page: Page, portal: Portal, clips: int) -> tuple[int, list[int]]:
    email = f"bench.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email, path="/account")
    made = make_photos(portal, email)
    user = made["user"]
    ids = request(portal, user, made["made"][0]["image"], count=clips)
    page.goto(portal.url + "/studio")
    expect(page.locator(".clip-card")).to_have_count(clips)
    return user, ids


def measure(page: Page, portal: Portal, updates: int, clips: int, gap_ms: float) -> None:
    user, ids = _open_studio(page, portal, clips)
    redis = Redis.from_url(portal.redis_url)
    _wait_for_listener(redis, user)
    page.evaluate(_OBSERVE)
    sent: dict[tuple[int, int], float] = {}
    for n in range(updates):
        video_id, percent = ids[n % clips], n // clips + 1  # 1..99: each clip moves forward
        event = _event(video_id, percent)
        sent[(video_id, percent)] = float(event["sent_at_ms"])  # type: ignore[arg-type]
        progress.publish(user, event, conn=redis)
        time.sleep(gap_ms / 1000)
    time.sleep(1.0)  # the last ones arrive
    seen = {(s[0], s[1]): s[2] for s in page.evaluate("window.__seen")}
    latencies = sorted(seen[key] - at for key, at in sent.items() if key in seen)
    missed = len(sent) - len(latencies)
    if not latencies:
        raise SystemExit("no update reached the page")
    p95 = statistics.quantiles(latencies, n=100, method="inclusive")[94]
    print(f"updates published: {len(sent)} over {clips} clips, {gap_ms:g} ms apart")
    print(f"seen in the DOM:   {len(latencies)} (missed {missed})")
    print(f"latency p50:       {statistics.median(latencies):.1f} ms")
    print(f"latency p95:       {p95:.1f} ms   (aim < 300 ms)")
    print(f"latency max:       {latencies[-1]:.1f} ms")
    print(json.dumps({"p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(p95, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--gap-ms", type=float, default=50.0)
    args = parser.parse_args()
    if args.updates > args.clips * 99:
        parser.error("each clip takes at most 99 progress values: add --clips")
    with oidc_provider() as oidc, running_portal(oidc, worker=False) as portal:
        print("portal up at", portal.url, flush=True)
        # Publish as the portal's worker would: its Redis, hence its channel names.
        os.environ["REDIS_URL"] = portal.redis_url
        get_settings.cache_clear()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            try:
                measure(context.new_page(), portal, args.updates, args.clips, args.gap_ms)
            except BaseException:
                print(portal.logs(), file=sys.stderr)
                raise
            finally:
                browser.close()


if __name__ == "__main__":
    main()
