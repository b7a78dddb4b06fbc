"""Page load: each customer page's time to interactive, its data shown, next to a static file
served by the same process; alone, then with other signed-in users active at once.

    .venv/bin/python bench/page_load.py [--loads 5] [--users 10] [--think-ms 500] [--rounds 1]

Starts the portal as the browser tests do (tests/e2e/servers.py: private Redis, SQLite,
`reflex run --env prod --single-port`, no worker), signs users in through the OIDC provider
in Chromium and gives each photos, scripts and credit history. A page counts as ready when
what the user came for is on screen: the sign-in button enabled, the Studio's recent photos,
the Library's photos, the Account's ledger rows (a MutationObserver in the page marks the
moment). The baseline is `/favicon.svg`, a static file the same process serves: what the
server and the browser cost before any page logic.

Each page is loaded `--loads` times in Chromium (full navigations, warm browser cache, as a
returning user) alone, then again while `--users` other signed-in users are active. Those
users are not browsers: ten renderers on the bench's own cores would measure the browsers'
CPU, not the portal's (they made the static file itself 18x slower). Each is one tab of a
user on their own device, replayed at the protocol level, in a loop over Studio → Library →
Account with `--think-ms` between pages; for each page it
  1. GETs the page's HTML document with the user's session cookie (their JavaScript is in
     the browser's cache, as for any returning user);
  2. opens the `/_event` websocket (Engine.IO 4 / Socket.IO 5) with the cookie, the portal's
     Origin and the tab's token, and sends the CONNECT packet Chromium itself sent for that
     page (recorded once per page at the start: the `hydrate_and_load` event with the
     page's router data and state hashes), then any events Chromium sent before the page's
     data was on screen;
  3. reads the state updates until the page is hydrated (the server ran the page's on_load
     handlers: the sign-in guard and the page's queries) and answers Engine.IO pings;
  4. closes the socket (leaving the page), as the browser does on a full navigation.
The users' session cookies come from a real OIDC sign-in in Chromium, whose windows are
closed before measuring. Photos and clip media are not fetched (the browser caches them).

Prints the median and worst time per page, and where the median load's time went:
  html  navigation start → the HTML document received (server + network)
  js    → the last JavaScript module received (from the cache or the server)
  mount → the page's websocket open (JavaScript run, React mounted, socket connected)
  state → the first state message (the server hydrates this tab's state)
  data  → the page's data on screen (the page's on_load handlers, their queries, render)
and the users' page views per second with the median and worst time of theirs (GET to
hydrated). The aim is ≤ 1 s per page in both cases.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.async_api import (  # noqa: E402
    Browser,
    Cookie,
    Page,
    async_playwright,
)

from bench.tabs import Recording, open_tab, record, sign_in  # noqa: E402
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


async def _record(page: Page, portal: Portal) -> dict[str, Recording]:
    """Load each page of the loop once in Chromium and keep what its socket sent."""
    found: dict[str, Recording] = {}
    for name in LOOP:
        url = portal.url + PAGES[name][0]
        found[name] = await record(page, partial(_load, page, url, ready=True))
    return found


async def _view(
    http: httpx.AsyncClient, portal: Portal, recording: Recording, path: str, token: str
) -> float:
    """One page view of a protocol-level user: the HTML document, then the page's socket
    until the page is hydrated. Seconds taken."""
    started = time.monotonic()
    (await http.get(portal.url + path)).raise_for_status()
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    async with open_tab(portal, recording, cookie, token) as ws:
        if recording.frames[1:]:  # let their updates arrive, as the page would before it is left
            with contextlib.suppress(TimeoutError):
                while True:
                    await asyncio.wait_for(ws.recv(), 0.3)
    return time.monotonic() - started


async def _active_user(
    cookies: list[Cookie],
    portal: Portal,
    recordings: dict[str, Recording],
    think: float,
    stop: asyncio.Event,
    times: list[float],
) -> int:
    """One signed-in user on their own device: Studio → Library → Account in a loop, one
    tab (one token) for all of it."""
    token = str(uuid.uuid4())
    jar = httpx.Cookies()
    for cookie in cookies:
        jar.set(cookie["name"], cookie["value"])
    visits = 0
    async with httpx.AsyncClient(cookies=jar, timeout=60, follow_redirects=True) as http:
        while not stop.is_set():
            for name in LOOP:
                if stop.is_set():
                    break
                times.append(await _view(http, portal, recordings[name], PAGES[name][0], token))
                visits += 1
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


def _merge(into: dict[str, Samples], found: dict[str, Samples]) -> None:
    for name, samples in found.items():
        merged = into.setdefault(name, Samples())
        merged.totals += samples.totals
        merged.parts += samples.parts


async def _run(args: argparse.Namespace) -> None:
    with (
        oidc_provider() as oidc,
        running_portal(oidc, worker=False, web_workers=args.web_workers) as portal,
    ):
        async with async_playwright() as playwright:
            browser: Browser = await playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            probe = _PROBE % json.dumps({path: sel for path, sel in PAGES.values()})
            measured = await browser.new_context(viewport={"width": 1280, "height": 860})
            await measured.add_init_script(probe)
            users: list[list[Cookie]] = []
            for n in range(args.users + 1):
                context = measured if n == 0 else await browser.new_context()
                email = f"bench{n}.{uuid.uuid4().hex[:6]}@example.com"
                await sign_in(context, portal, email)
                make_photos(portal, email, count=2, with_scripts=True)
                if n:  # only the session cookie stays: no renderer for the other users
                    users.append(await context.cookies())
                    await context.close()
            signed_out = await browser.new_context(viewport={"width": 1280, "height": 860})
            await signed_out.add_init_script(probe)
            pages = {"in": await measured.new_page(), "out": await signed_out.new_page()}
            recordings = await _record(pages["in"], portal)

            total_alone: dict[str, Samples] = {}
            total_busy: dict[str, Samples] = {}
            for round_ in range(1, args.rounds + 1):
                alone = await _measure(pages, portal, args.loads)
                _report(f"Round {round_}: alone (one user)", alone)
                _merge(total_alone, alone)

                stop = asyncio.Event()
                views: list[float] = []
                tasks = [
                    asyncio.create_task(
                        _active_user(cookies, portal, recordings, args.think_ms / 1000, stop, views)
                    )
                    for cookies in users
                ]
                await asyncio.sleep(3)  # let them get going
                for task in tasks:  # a user that failed at once fails the run, loudly
                    if task.done():
                        task.result()
                started = time.monotonic()
                busy = await _measure(pages, portal, args.loads)
                stop.set()
                visits = sum(await asyncio.gather(*tasks))
                rate = visits / (time.monotonic() - started + 3)
                _report(
                    f"Round {round_}: with {args.users} signed-in users active at once "
                    f"({rate:.1f} page views/s besides these; theirs took median "
                    f"{statistics.median(views) * 1000:.0f} ms, worst {max(views) * 1000:.0f} ms)",
                    busy,
                )
                _merge(total_busy, busy)
            if args.rounds > 1:
                _report(f"All {args.rounds} rounds: alone", total_alone)
                _report(f"All {args.rounds} rounds: with {args.users} users", total_busy)
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=5, help="loads of each page per case")
    parser.add_argument("--users", type=int, default=10, help="other users active at once")
    parser.add_argument("--think-ms", type=int, default=500, help="pause between their pages")
    parser.add_argument("--rounds", type=int, default=1, help="alone/loaded rounds to run")
    parser.add_argument(
        "--web-workers",
        type=int,
        default=1,
        help="backend processes (1, as `make run`; more: the state in Redis, as several "
        "web processes keep it)",
    )
    asyncio.run(_run(parser.parse_args()))


if __name__ == "__main__":
    main()
