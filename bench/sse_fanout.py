"""Many live progress streams on one web process, against bare Redis pub/sub.

    .venv/bin/python bench/sse_fanout.py [--users 20] [--streams 10] [--rounds 20] [--gap-ms 100]

Portal side: the API (`uvicorn --factory v4a_portal.api.app:create_api`, SQLite, a private
redis-server) serves `--users` x `--streams` SSE streams at once,
`GET /api/v1/videos/{id}/events`, one per clip, each with its owner's bearer token. The
benchmark then publishes `--rounds` progress messages per clip on the users' channels, as
the clip job does (progress.publish), each carrying its publish time, and every stream
records when its message arrives (same machine, same clock).

Bare side, the baseline, in the same run: the same number of listeners as plain
redis.asyncio pub/sub connections in this process, one per stream (what each stream held
before the portal's listeners shared one connection), receiving the same messages.

Prints each side's delivery latency (p50, p95) and its pub/sub connections on the Redis
server, and the ratios portal / bare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
from redis import Redis  # noqa: E402

from bench.ledger import scratch_database  # noqa: E402
from bench.pipeline import photo_bytes, private_redis, rss_mb_of  # noqa: E402
from tests.support.servers import free_port  # noqa: E402
from v4a_portal import schema_migrations  # noqa: E402
from v4a_portal.db import session_scope  # noqa: E402
from v4a_portal.models import LedgerKind, User  # noqa: E402
from v4a_portal.services import images, ledger, progress, videos  # noqa: E402
from v4a_portal.services.auth import api_tokens  # noqa: E402
from v4a_portal.services.redis_conn import get_redis  # noqa: E402
from v4a_portal.settings import get_settings  # noqa: E402

Clip = tuple[int, int, str]  # video id, user id, bearer token


def make_clips(users: int, streams: int) -> list[Clip]:
    """`streams` pending clips for each of `users` new users (no worker: they stay pending,
    so their streams stay open)."""
    clips: list[Clip] = []
    photo = photo_bytes()
    for n in range(users):
        with session_scope() as session:
            user = User(email=f"fan{n}@bench.example")
            session.add(user)
            session.flush()
            assert user.id is not None
            ledger.post(
                session, user_id=user.id, delta=10_000, kind=LedgerKind.purchase, key=f"f{n}"
            )
            image = images.save_upload(session, user.id, "p.jpg", photo).image
            token = api_tokens.issue(session, user).access_token
            user_id, image_id = user.id, image.id
        assert image_id is not None
        ids = []
        while len(ids) < streams:  # a request takes at most 9 clips
            count = min(9, streams - len(ids))
            ids += videos.request(
                user_id, image_id, None, "b", "draft", 4, "720x1280", count
            ).video_ids
        clips += [(video_id, user_id, token) for video_id in ids]
    return clips


def pubsub_connections(conn: Redis) -> int:
    return sum(1 for client in conn.client_list() if int(client.get("sub", 0)) > 0)


def start_web(port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "v4a_portal.api.app:create_api",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def wait_up(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{url}/api/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit("the API did not start")


class Sink:
    """Arrival latencies (ms) of one side, and how many of its listeners are ready."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.ready = 0

    def arrived(self, event: dict) -> None:
        if "published_at" in event:
            self.latencies.append((time.time() - event["published_at"]) * 1000)


async def sse_stream(client: httpx.AsyncClient, url: str, clip: Clip, sink: Sink) -> None:
    video_id, _, token = clip
    headers = {"Authorization": f"Bearer {token}"}
    async with client.stream(
        "GET", f"{url}/api/v1/videos/{video_id}/events", headers=headers
    ) as response:
        async for line in response.aiter_lines():
            if line.startswith("event: snapshot"):
                sink.ready += 1
            elif line.startswith("data:"):
                sink.arrived(json.loads(line[5:]))


async def bare_listener(redis_url: str, clip: Clip, sink: Sink) -> None:
    video_id, user_id, _ = clip
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(progress.channel(user_id))
    sink.ready += 1
    try:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message and message["type"] == "message":
                event = json.loads(message["data"])
                if event.get("video_id") == video_id:
                    sink.arrived(event)
    finally:
        await pubsub.aclose()
        await client.aclose()


async def publish_rounds(clips: list[Clip], rounds: int, gap: float) -> None:
    conn = get_redis()
    for r in range(1, rounds + 1):
        for video_id, user_id, _ in clips:
            event = {"video_id": video_id, "status": "pending", "progress": r,
                     "published_at": time.time()}  # fmt: skip
            await asyncio.to_thread(progress.publish, user_id, event, conn)
        await asyncio.sleep(gap)
    await asyncio.sleep(1.0)  # the last messages arrive


async def measure(clips: list[Clip], rounds: int, gap: float, listen) -> tuple[Sink, int]:  # type: ignore[no-untyped-def]
    sink = Sink()
    tasks = [asyncio.create_task(listen(clip, sink)) for clip in clips]
    while sink.ready < len(clips):
        await asyncio.sleep(0.05)
        for task in tasks:
            if task.done() and task.exception():
                raise task.exception()  # type: ignore[misc]
    connections = await asyncio.to_thread(pubsub_connections, get_redis())
    await publish_rounds(clips, rounds, gap)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return sink, connections


def summary(sink: Sink, expected: int) -> tuple[float, float, int]:
    ordered = sorted(sink.latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else float("nan")
    return statistics.median(ordered) if ordered else float("nan"), p95, expected - len(ordered)


async def run(args: argparse.Namespace, redis_url: str, folder: Path) -> None:
    clips = await asyncio.to_thread(make_clips, args.users, args.streams)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = start_web(port, folder / "web.log")
    try:
        await wait_up(url)
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(timeout=None, limits=limits) as client:
            portal, portal_conns = await measure(
                clips, args.rounds, args.gap_ms / 1000,
                lambda clip, sink: sse_stream(client, url, clip, sink),
            )  # fmt: skip
        web_rss = rss_mb_of(web.pid)
    finally:
        web.kill()
        web.wait()
    bare, bare_conns = await measure(
        clips, args.rounds, args.gap_ms / 1000,
        lambda clip, sink: bare_listener(redis_url, clip, sink),
    )  # fmt: skip

    expected = len(clips) * args.rounds
    p_p50, p_p95, p_missed = summary(portal, expected)
    b_p50, b_p95, b_missed = summary(bare, expected)
    print(f"{len(clips)} streams ({args.users} users x {args.streams}), {args.rounds} messages "
          f"each, {args.gap_ms} ms apart; {os.cpu_count()} CPUs\n")  # fmt: skip
    print(f"{'':34}{'p50 ms':>9}{'p95 ms':>9}{'missed':>8}{'pub/sub conns':>15}")
    for name, p50, p95, missed, conns in (
        ("portal SSE, one web process", p_p50, p_p95, p_missed, portal_conns),
        ("bare redis pub/sub, one per stream", b_p50, b_p95, b_missed, bare_conns),
    ):
        print(f"{name:34}{p50:9.1f}{p95:9.1f}{missed:8}{conns:15}")
    print(f"\nportal / bare: p95 latency {p_p95 / b_p95:.2f}x, "
          f"pub/sub connections {portal_conns / max(bare_conns, 1):.3f}x")  # fmt: skip
    print(f"web process RSS with {len(clips)} open streams: {web_rss:.0f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--streams", type=int, default=10, help="per user")
    parser.add_argument("--rounds", type=int, default=20, help="messages per stream")
    parser.add_argument("--gap-ms", type=int, default=100, help="between rounds")
    args = parser.parse_args()
    with scratch_database(sqlite=True), private_redis() as redis_url:
        os.environ["REDIS_URL"] = redis_url
        get_settings.cache_clear()
        get_redis.cache_clear()
        schema_migrations.upgrade()
        folder = Path(tempfile.mkdtemp(prefix="v4a-bench-sse-"))
        asyncio.run(run(args, redis_url, folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
