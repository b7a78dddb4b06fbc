"""Time spent waiting on providers: what one worker does while generations are in flight.

    .venv/bin/python bench/concurrency.py [--veo-seconds 20] [--batch 9] [--in-flight 200]
                                          [--draft-seconds 4] [--sqlite]

On a throwaway PostgreSQL database (or --sqlite) and a private Redis, with one real
`jobs.worker` process:
  1. Veo (the emulator through the real google-genai SDK), every generation done
     `--veo-seconds` after it was submitted: one clip alone, then a batch of `--batch`;
     the ratio batch / alone is the aim's (<= 1.3x). Before the in-flight watcher a worker
     ran them one after another: about `--batch` x.
  2. `--in-flight` Veo clips at once on the same worker (the provider limit raised to fit):
     the worker's RSS before, with all of them in flight, and after; its CPU use while they
     wait (CPU seconds per wall second).
  3. Draft renders (this machine's cores): 4 clips of `--draft-seconds` against one;
     aim <= 2.3x on 2 cores.
Each time runs from the request to the last clip completed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ledger import scratch_database  # noqa: E402
from bench.pipeline import photo_bytes, private_redis, setup_user, wait_ready  # noqa: E402
from tests.emulators.veo import VeoEmulator  # noqa: E402
from v4a_portal import schema_migrations  # noqa: E402
from v4a_portal.db import session_scope  # noqa: E402
from v4a_portal.models import Video  # noqa: E402
from v4a_portal.services import videos  # noqa: E402
from v4a_portal.services.redis_conn import get_redis  # noqa: E402
from v4a_portal.settings import get_settings  # noqa: E402

VEO = "veo-3.1-fast-generate-001"


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def statuses(ids: list[int]) -> list[str]:
    with session_scope() as session:
        return [session.get(Video, v).status for v in ids]  # type: ignore[union-attr]


def run(user: int, image: int, model: str, seconds: int, count: int, timeout: float) -> float:
    """Request `count` clips as one batch; seconds until all are completed."""
    began = time.perf_counter()
    ids = videos.request(user, image, None, "bench", model, seconds, "720x1280", count).video_ids
    deadline = time.monotonic() + timeout
    while True:
        found = statuses(ids)
        if all(s == "completed" for s in found):
            return time.perf_counter() - began
        if any(s in ("failed", "canceled") for s in found) or time.monotonic() > deadline:
            raise SystemExit(f"{model} x{count}: clips did not complete: {found}")
        time.sleep(0.1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--veo-seconds", type=float, default=20.0)
    parser.add_argument("--batch", type=int, default=9)
    parser.add_argument("--in-flight", type=int, default=200)
    parser.add_argument("--draft-seconds", type=int, default=4)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    emulator = VeoEmulator(seconds_to_finish=args.veo_seconds).start()
    tmp = Path(tempfile.mkdtemp(prefix="v4a-bench-concurrency-"))
    os.environ.update(
        {
            "V4A_VEO_ENABLED": "true",
            "GOOGLE_CLOUD_PROJECT": "bench",
            "V4A_VEO_BASE_URL": emulator.base_url,
            "V4A_VEO_ACCESS_TOKEN": "bench",
            "V4A_VEO_MAX_IN_FLIGHT": str(max(args.in_flight, args.batch)),
            "V4A_VEO_TIMEOUT": str(args.veo_seconds * 4),
        }
    )
    with private_redis() as redis_url, scratch_database(args.sqlite):
        os.environ["REDIS_URL"] = redis_url
        get_settings.cache_clear()
        get_redis.cache_clear()
        schema_migrations.upgrade()
        user, image = setup_user(10_000, photo_bytes())
        worker = start_worker(tmp / "worker.log")
        try:
            wait_ready(get_redis(), 1)
            wait = args.veo_seconds * 3
            alone = run(user, image, VEO, 4, 1, wait)
            batch = run(user, image, VEO, 4, args.batch, wait)
            print(f"\nVeo, generations done {args.veo_seconds:g} s after submit, one worker")
            print(f"  1 clip alone        {alone:7.2f} s")
            print(f"  batch of {args.batch:<3}       {batch:7.2f} s   ratio {batch / alone:.2f}x"
                  f"   aim <= 1.3x   (one after another: ~{args.batch}x)")  # fmt: skip

            rss_before, cpu_before = rss_mb(worker.pid), cpu_seconds(worker.pid)
            began = time.perf_counter()
            ids = []
            for start in range(0, args.in_flight, 9):  # a request orders at most 9 clips
                count = min(9, args.in_flight - start)
                ordered = videos.request(user, image, None, "bench", VEO, 4, "720x1280", count)
                ids += ordered.video_ids
            while emulator.generations < 1 + args.batch + args.in_flight:
                time.sleep(0.2)
            submitted = time.perf_counter() - began
            time.sleep(min(5.0, args.veo_seconds / 2))
            rss_in_flight = rss_mb(worker.pid)
            cpu_mid, wall_mid = cpu_seconds(worker.pid), time.perf_counter()
            time.sleep(min(5.0, args.veo_seconds / 4))
            waiting_cpu = (cpu_seconds(worker.pid) - cpu_mid) / (time.perf_counter() - wall_mid)
            while not all(s == "completed" for s in statuses(ids)):
                time.sleep(0.5)
            total = time.perf_counter() - began
            rss_after = rss_mb(worker.pid)
            used = cpu_seconds(worker.pid) - cpu_before
            print(f"\n{args.in_flight} Veo clips in flight on one worker")
            print(f"  all submitted in    {submitted:7.2f} s; all completed in {total:.2f} s")
            print(f"  worker RSS          {rss_before:7.1f} MB before, {rss_in_flight:.1f} MB "
                  f"in flight, {rss_after:.1f} MB after")  # fmt: skip
            per_clip = used / args.in_flight * 1000
            print(f"  worker CPU          {waiting_cpu:7.3f} CPU s per s while waiting; "
                  f"{used:.1f} CPU s in all ({per_clip:.0f} ms per clip)")  # fmt: skip

            one = run(user, image, "draft", args.draft_seconds, 1, 120)
            four = run(user, image, "draft", args.draft_seconds, 4, 240)
            print(f"\nDraft renders of {args.draft_seconds} s on {os.cpu_count()} cores "
                  f"(V4A_RENDER_CONCURRENCY={get_settings().render_concurrency})")  # fmt: skip
            print(f"  1 clip              {one:7.2f} s")
            print(f"  4 clips             {four:7.2f} s   ratio {four / one:.2f}x   aim <= 2.3x")
        finally:
            worker.terminate()
            worker.wait(30)
            emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
