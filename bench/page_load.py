"""Page load: each customer page's time to interactive, its data shown, next to a static file
served by the same process; alone, then with other signed-in users active at once.

    .venv/bin/python bench/page_load.py [--loads 5] [--users 10] [--think-ms 500]

Starts the portal as the browser tests do (tests/e2e/servers.py: private Redis, SQLite,
`reflex run --env prod --single-port`, no worker), signs users in through the OIDC provider
in Chromium and gives each photos, scripts and credit history. A page counts as ready when
what the user came for is on screen: the sign-in button enabled, the Studio's recent photos,
the Library's photos, the Account's ledger rows (a MutationObserver in the page marks the
moment). The baseline is `/favicon.svg`, a static file the same process serves: what the
server and the browser cost before any page logic.

Each page is loaded `--loads` times (full navigations, warm browser cache, as a returning
user) alone, then again while `--users` other signed-in users each navigate Studio →
Library → Account in a loop with `--think-ms` between pages. Prints the median and worst
time per page, and where the median load's time went:
  html  navigation start → the HTML document received (server + network)
  js    → the last JavaScript module received (from the cache or the server)
  mount → the page's websocket open (JavaScript run, React mounted, socket connected)
  state → the first state message (the server hydrates this tab's state)
  data  → the page's data on screen (the page's on_load handlers, their queries, render)
The aim is ≤ 1 s per page in both cases.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from playwright.async_api import Browser, BrowserContext, Page, async_playwright  # noqa: E402

from tests.e2e.media import make_photos  # noqa: E402
from tests.e2e.servers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Portal,
    oidc_provider,
    running_portal,
)

# Page → what shows it is ready (its data on screen, or the control the user came for).
PAGES: dict[str, tuple[str, str]] = {
    "signin": ("/signin", "a[href*='/auth/google/login']"),
    "studio": ("/studio", "#studio-recent img"),
    "library": ("/library", ".library-photo img"),
    "account": ("/account", "#ledger-table tbody tr, #ledger-cards .ledger-card"),
}
STATIC = ("static", "/favicon.svg", "")
LOOP = ("studio", "library", "account")

# In every document: when the websocket opened, when the first state message came, and
# when the page's ready selector first matched (performance.now(), ms from navigation).
_PROBE = """(() => {
    const ready = %s;
    const marks = (window.__marks = {});
    const mark = (name) => { if (!(name in marks)) marks[name] = performance.now(); };
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('open', () => mark('ws_open'));
            // socket.io: "0{...}" opens the session, "42[...]" carries an event (a delta).
            this.addEventListener('message', (m) => {
                if (typeof m.data === 'string' && m.data.startsWith('42')) mark('state');
            });
        }
    };
    const selector = ready[location.pathname.replace(/\\/$/, '') || '/'];
    if (!selector) return;
    const check = () => {
        if (document.querySelector(selector)) { mark('ready'); observer.disconnect(); }
    };
    const observer = new MutationObserver(check);
    document.addEventListener('DOMContentLoaded', () => {
        observer.observe(document.documentElement, {subtree: true, childList: true});
        check();
    });
})();"""

_TIMINGS = """() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const scripts = performance.getEntriesByType('resource')
        .filter((r) => r.initiatorType === 'script' || r.name.endsWith('.js'))
        .map((r) => r.responseEnd);
    return {html: nav ? nav.responseEnd : null, loaded: nav ? nav.loadEventEnd : null,
            js: scripts.length ? Math.max(...scripts) : null, ...window.__marks};
}"""


@dataclass
class Samples:
    totals: list[float] = field(default_factory=list)
    parts: list[dict[str, float]] = field(default_factory=list)


async def _sign_in(context: BrowserContext, portal: Portal, email: str) -> None:
    page = await context.new_page()
    await page.goto(f"{portal.url}/signin?next=/account")
    await page.get_by_role("link", name="Sign in with Google").click()
    await page.locator("input[name=sub]").fill(email)
    await page.get_by_role("button", name="Authorize").click()
    await page.wait_for_url(re.compile(r"/account/?$"))
    await page.locator("#header-user-email").wait_for()
    await page.close()


async def _load(page: Page, url: str, ready: bool) -> dict[str, float]:
    """One full navigation; the marks in ms from its start."""
    await page.goto(url, wait_until="load")
    if ready:
        await page.wait_for_function("() => window.__marks && 'ready' in window.__marks")
    else:
        await page.wait_for_load_state("load")
    timings: dict[str, float] = await page.evaluate(_TIMINGS)
    if not ready:
        timings["ready"] = timings["loaded"]
    return timings


async def _measure(pages: dict[str, Page], portal: Portal, loads: int) -> dict[str, Samples]:
    found: dict[str, Samples] = {}
    for name, path, _ in [STATIC, *((n, p, s) for n, (p, s) in PAGES.items())]:
        samples = found.setdefault(name, Samples())
        page = pages["out" if name == "signin" else "in"]
        await _load(page, portal.url + path, ready=name != "static")  # warm the cache
        for _ in range(loads):
            timings = await _load(page, portal.url + path, ready=name != "static")
            samples.totals.append(timings["ready"])
            samples.parts.append(timings)
    return found


async def _active_user(
    context: BrowserContext, portal: Portal, think: float, stop: asyncio.Event
) -> int:
    page = await context.new_page()
    visits = 0
    while not stop.is_set():
        for name in LOOP:
            if stop.is_set():
                break
            path, selector = PAGES[name]
            try:
                await page.goto(portal.url + path)
                await page.locator(selector).first.wait_for(timeout=60_000)
                visits += 1
            except Exception:  # a navigation cut short by the next one is fine
                pass
            await asyncio.sleep(think)
    return visits


def _breakdown(timings: dict[str, float]) -> str:
    html = timings.get("html") or 0
    js = max(timings.get("js") or html, html)
    ws = max(timings.get("ws_open") or js, js)
    state = timings.get("state") or ws
    ready = timings.get("ready") or state
    return (
        f"html {html:5.0f}  js {js - html:5.0f}  mount {ws - js:5.0f}  "
        f"state {state - ws:5.0f}  data {ready - state:5.0f}"
    )


def _median_run(samples: Samples) -> dict[str, float]:
    ordered = sorted(zip(samples.totals, samples.parts, strict=True), key=lambda p: p[0])
    return ordered[len(ordered) // 2][1]


def _report(title: str, found: dict[str, Samples]) -> None:
    print(f"\n{title}")
    print(f"  {'page':8} {'median':>8} {'worst':>8}   where the median load's time went (ms)")
    for name, samples in found.items():
        median, worst = statistics.median(samples.totals), max(samples.totals)
        flag = "  > 1 s" if median > 1000 else ""
        parts = _breakdown(_median_run(samples)) if name != "static" else "(a static file)"
        print(f"  {name:8} {median:6.0f}ms {worst:6.0f}ms   {parts}{flag}")


async def _run(args: argparse.Namespace) -> None:
    with oidc_provider() as oidc, running_portal(oidc, worker=False) as portal:
        async with async_playwright() as playwright:
            browser: Browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            probe = _PROBE % json.dumps({path: sel for path, sel in PAGES.values()})
            contexts: list[BrowserContext] = []
            for n in range(args.users + 1):
                context = await browser.new_context(viewport={"width": 1280, "height": 860})
                await context.add_init_script(probe)
                email = f"bench{n}.{uuid.uuid4().hex[:6]}@example.com"
                await _sign_in(context, portal, email)
                make_photos(portal, email, count=2, with_scripts=True)
                contexts.append(context)
            signed_out = await browser.new_context(viewport={"width": 1280, "height": 860})
            await signed_out.add_init_script(probe)
            pages = {"in": await contexts[0].new_page(), "out": await signed_out.new_page()}

            alone = await _measure(pages, portal, args.loads)
            _report("Alone (one user)", alone)

            stop = asyncio.Event()
            think = args.think_ms / 1000
            users = [
                asyncio.create_task(_active_user(c, portal, think, stop)) for c in contexts[1:]
            ]
            await asyncio.sleep(3)  # let them get going
            started = time.monotonic()
            busy = await _measure(pages, portal, args.loads)
            stop.set()
            visits = sum(await asyncio.gather(*users))
            rate = visits / (time.monotonic() - started)
            _report(
                f"With {args.users} signed-in users active at once "
                f"({rate:.1f} page views/s besides these)",
                busy,
            )
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="loads of each page per case")
    parser.add_argument("--users", type=int, default=10, help="other users active at once")
    parser.add_argument("--think-ms", type=int, default=500, help="pause between their pages")
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
