"""Video pipeline throughput against bare RQ, on a throwaway database and Redis.

    .venv/bin/python bench/pipeline.py [--clips 500] [--workers 2] [--rounds 1] [--sqlite]
                                       [--no-provider-thumbnail] [--profile DIR]

Pipeline side: `videos.request` one clip at a time (debit, rows, commit, enqueue),
then the real clip job in real `jobs.worker` processes (lease, start, submit, store the
provider job id, poll, download, thumbnail + MP4 check, storage, complete, progress messages)
with an instant provider that serves a ready 720x1280 4 s MP4 and its thumbnail, so the job
checks the MP4 from its index in Python (--no-provider-thumbnail: a provider without one,
so one ffmpeg run per clip reads the file and draws the thumbnail).

Bare side, the baseline: the same number of no-op jobs enqueued one by one on the same Redis
and run by the same number of stock RQ workers (`rq worker`, as RQ ships: a work horse
forked per job). The ratio is pipeline / bare; the aim is >= 0.5. For a full picture it also
runs the no-op jobs on the portal's own workers, which run jobs in-process (jobs/worker.py
says why): that is the queue's floor, not something a job touching a database can reach.
Each side's clock runs from the first request/enqueue to the last completion.

The instant provider is patched into `video_registry.provider_named` when this file starts a
worker (`--worker`): fine in a benchmark, never in tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from rq import Queue  # noqa: E402
from rq.registry import FinishedJobRegistry  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.ledger import scratch_database  # noqa: E402
from tests.support import servers  # noqa: E402
from v4a_portal import schema_migrations  # noqa: E402
from v4a_portal.db import session_scope  # noqa: E402
from v4a_portal.models import LedgerKind, User, Video  # noqa: E402
from v4a_portal.providers.video_provider import (  # noqa: E402
    GenerationSpec,
    GenerationState,
    GenerationStatus,
)
from v4a_portal.services import images, ledger, videos  # noqa: E402
from v4a_portal.services.redis_conn import get_redis  # noqa: E402
from v4a_portal.settings import get_settings  # noqa: E402

BARE_QUEUE = "bare"  # served by the stock RQ workers only
NOOP_QUEUE = "default"  # served by the portal's workers, after the video queue
NOOP = "bench.noop.noop"


class InstantProvider:
    """Done as soon as it is asked; the file is a real clip made once per run."""

    name = "instant"

    def __init__(self, clip: Path, still: Path | None = None) -> None:
        self.clip = clip
        self.still = still  # its thumbnail, made with the clip: a provider may have one

    def submit(self, spec: GenerationSpec) -> str:
        return uuid.uuid4().hex

    def poll(self, job_id: str) -> GenerationStatus:
        return GenerationStatus(GenerationState.succeeded, 100)

    def download(self, job_id: str, dest: Path) -> None:
        shutil.copyfile(self.clip, dest)

    def thumbnail(self, job_id: str, dest: Path) -> bool:
        if self.still is None:
            return False
        shutil.copyfile(self.still, dest)
        return True

    def cancel(self, job_id: str) -> bool:
        return False


def run_worker() -> None:
    """`--worker`: a `jobs.worker` process whose clips all come from the instant provider."""
    import bench.noop  # noqa: F401  (the no-op job's module, imported before jobs like jobs.video)
    from jobs import worker
    from v4a_portal.providers import video_registry

    still = os.environ.get("V4A_BENCH_THUMB")
    provider = InstantProvider(Path(os.environ["V4A_BENCH_CLIP"]), Path(still) if still else None)
    video_registry.provider_named = lambda name, settings=None: provider  # type: ignore[assignment]
    if folder := os.environ.get("V4A_BENCH_PROFILE"):
        _profile_clips(Path(folder))
    worker.main()


def _profile_clips(folder: Path) -> None:
    """`--profile DIR`: each worker process adds its clip jobs to DIR/<pid>.prof."""
    import cProfile

    import jobs.video

    generate_video = jobs.video.generate_video
    profile = cProfile.Profile()

    def profiled(video_id: int) -> str:
        try:
            return profile.runcall(generate_video, video_id)
        finally:
            profile.dump_stats(folder / f"{os.getpid()}.prof")

    jobs.video.generate_video = profiled  # type: ignore[assignment]


@contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of our own (no persistence), so nothing else's queues interfere."""
    with servers.private_redis() as server:
        yield server.url


def make_clip(folder: Path) -> Path:
    import imageio_ffmpeg

    clip = folder / "instant.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=720x1280:rate=24:duration=4", "-pix_fmt", "yuv420p", "-c:v", "libx264",
         "-preset", "ultrafast", "-movflags", "+faststart", str(clip)],
        check=True,
    )  # fmt: skip
    return clip


def make_thumbnail(clip: Path, folder: Path) -> Path:
    """The instant provider's still of its clip, made once like the clip."""
    from v4a_portal.services.videos import files as video_files

    still = folder / "instant.jpg"
    video_files.thumbnail(clip, still)
    return still


def start_workers(count: int, log: Path) -> list[subprocess.Popen[bytes]]:
    """The portal's workers (jobs.worker) with the instant provider."""
    return _spawn(count, log, [sys.executable, str(Path(__file__).resolve()), "--worker"])


def start_stock_workers(count: int, log: Path, redis_url: str) -> list[subprocess.Popen[bytes]]:
    """Stock RQ workers as `rq worker` starts them, on the bare queue only."""
    rq = str(Path(sys.executable).parent / "rq")
    return _spawn(count, log, [rq, "worker", "--url", redis_url, "--path", str(ROOT), BARE_QUEUE])


def _spawn(count: int, log: Path, args: list[str]) -> list[subprocess.Popen[bytes]]:
    procs = []
    for _ in range(count):
        with log.open("ab") as out:
            procs.append(
                subprocess.Popen(
                    args, cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT
                )
            )
    return procs


def wait_ready(conn: Redis, count: int) -> None:
    from rq import Worker

    while len(Worker.all(connection=conn)) < count:
        time.sleep(0.1)
    time.sleep(1.5)  # the first maintenance sweep and the scheduler settle


def stop_workers(procs: list[subprocess.Popen[bytes]], conn: Redis) -> None:
    """Kill the workers and forget them (their keys would count in the next wait_ready)."""
    from rq import Worker

    for p in procs:
        p.kill()
    for p in procs:
        p.wait()
    for worker in Worker.all(connection=conn):
        worker.register_death()


def median_job_ms(conn: Redis, queue: str) -> float:
    """Median time RQ measured inside the jobs of `queue` (start to end of the function)."""
    from rq.job import Job

    registry = FinishedJobRegistry(queue, connection=conn)
    spans = [
        (job.ended_at - job.started_at).total_seconds() * 1000
        for job in Job.fetch_many(registry.get_job_ids(), connection=conn)
        if job is not None and job.started_at and job.ended_at
    ]
    return statistics.median(spans) if spans else float("nan")


def thumbnail_ms(clip: Path, folder: Path, times: int = 20) -> float:
    """The ffmpeg probe + thumbnail step alone, as the job runs it."""
    from v4a_portal.services.videos import files as video_files

    began = time.perf_counter()
    for _ in range(times):
        video_files.thumbnail(clip, folder / "thumb.jpg")
    return (time.perf_counter() - began) / times * 1000


def inspect_ms(clip: Path, times: int = 200) -> float:
    """The in-Python MP4 check the job runs instead when the provider has a thumbnail."""
    from v4a_portal.services.videos import files as video_files

    began = time.perf_counter()
    for _ in range(times):
        video_files.inspect(clip)
    return (time.perf_counter() - began) / times * 1000


def setup_user(clips: int, photo: bytes) -> tuple[int, int]:
    with session_scope() as session:
        user = User(email=f"bench-{uuid.uuid4().hex[:8]}@bench.example")
        session.add(user)
        session.flush()
        assert user.id is not None
        ledger.post(
            session, user_id=user.id, delta=clips * 100, kind=LedgerKind.purchase, key=f"o{user.id}"
        )
        image = images.save_upload(session, user.id, "photo.jpg", photo).image
        assert image.id is not None
        return user.id, image.id


def photo_bytes() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize((1080, 1350)).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def completed(user_id: int) -> int:
    with session_scope() as session:
        return int(
            session.execute(
                select(func.count())
                .select_from(Video)
                .where(Video.user_id == user_id, Video.status == "completed")
            ).scalar_one()
        )


def rss_mb(procs: list[subprocess.Popen[bytes]]) -> list[float]:
    """Each worker's resident memory now: jobs run in the worker process, so what a clip
    leaves behind would show here."""
    return [rss_mb_of(p.pid) for p in procs]


def rss_mb_of(pid: int) -> float:
    """A process's resident memory now (Linux /proc), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        / 1024
    )


def pipeline_rate(clips: int, user_id: int, image_id: int) -> float:
    began = time.perf_counter()
    for _ in range(clips):
        videos.request(user_id, image_id, None, "bench", "draft", 4, "720x1280", 1)
    while completed(user_id) < clips:
        time.sleep(0.1)
    return clips / (time.perf_counter() - began)


def noop_rate(clips: int, conn: Redis, queue_name: str) -> float:
    queue = Queue(queue_name, connection=conn)
    finished = FinishedJobRegistry(queue_name, connection=conn)
    before = finished.count
    began = time.perf_counter()
    for _ in range(clips):
        queue.enqueue_call(NOOP, result_ttl=600)
    while finished.count - before < clips:
        time.sleep(0.1)
    return clips / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="pipeline/bare pairs")
    parser.add_argument("--sqlite", action="store_true", help="SQLite file instead of PostgreSQL")
    parser.add_argument(
        "--no-provider-thumbnail",
        dest="provider_thumbnail",
        action="store_false",
        help="the instant provider has no thumbnail: ffmpeg reads the clip and draws one",
    )
    parser.add_argument("--profile", type=Path, help="cProfile each clip job into this folder")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker()
        return 0

    with scratch_database(args.sqlite) as url, private_redis() as redis_url:
        folder = Path(tempfile.mkdtemp(prefix="v4a-bench-pipeline-"))
        clip = make_clip(folder)
        os.environ.update(REDIS_URL=redis_url, V4A_BENCH_CLIP=str(clip))
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            os.environ["V4A_BENCH_PROFILE"] = str(args.profile.resolve())
        if args.provider_thumbnail:
            os.environ["V4A_BENCH_THUMB"] = str(make_thumbnail(clip, folder))
        get_settings.cache_clear()
        get_redis.cache_clear()
        schema_migrations.upgrade()
        conn = get_redis()
        print(f"database: {url.split('@')[-1]}   redis: {redis_url}")
        print(f"{args.clips} clips, {args.workers} worker processes, {os.cpu_count()} CPUs, load "
              f"average {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")  # fmt: skip
        pipeline_rates, bare_rates, floor_rates = [], [], []
        log = folder / "workers.log"
        for r in range(args.rounds):
            user_id, image_id = setup_user(args.clips, photo_bytes())
            procs = start_workers(args.workers, log)
            wait_ready(conn, args.workers)
            warm = rss_mb(procs)
            pipeline_rates.append(pipeline_rate(args.clips, user_id, image_id))
            after = rss_mb(procs)
            floor_rates.append(noop_rate(args.clips, conn, NOOP_QUEUE))
            stop_workers(procs, conn)
            procs = start_stock_workers(args.workers, log, redis_url)
            wait_ready(conn, args.workers)
            bare_rates.append(noop_rate(args.clips, conn, BARE_QUEUE))
            stop_workers(procs, conn)
            inside = [median_job_ms(conn, q) for q in ("videos", BARE_QUEUE, NOOP_QUEUE)]
            conn.flushdb()
            print(
                f"round {r + 1}: pipeline {pipeline_rates[-1]:6.1f} clips/s   "
                f"bare RQ {bare_rates[-1]:6.1f} jobs/s   "
                f"ratio {pipeline_rates[-1] / bare_rates[-1]:.2f}   "
                f"no-op on the portal's workers {floor_rates[-1]:6.1f} jobs/s   "
                f"median inside a job: clip {inside[0]:.0f} ms, no-op {inside[1]:.1f} ms "
                f"(stock) / {inside[2]:.1f} ms (portal)\n"
                f"         worker RSS before / after the clips: "
                + ", ".join(f"{a:.0f} / {b:.0f} MB" for a, b in zip(warm, after, strict=True))
            )
        pipeline = statistics.fmean(pipeline_rates)
        bare = statistics.fmean(bare_rates)
        floor = statistics.fmean(floor_rates)
        print(f"\npipeline   {pipeline:6.1f} clips/s  (request → job → stored + thumbnail)")
        print(f"bare RQ    {bare:6.1f} jobs/s   (no-op job, stock `rq worker`, same count)")
        print(f"ratio      {pipeline / bare:6.2f}   (aim >= 0.5)")
        print(f"floor      {floor:6.1f} jobs/s   (no-op job on the portal's in-process workers; "
              f"pipeline / floor {pipeline / floor:.2f})")  # fmt: skip
        print(f"of a clip: ffmpeg probe + thumbnail alone {thumbnail_ms(clip, folder):.0f} ms, "
              f"MP4 index check alone {inspect_ms(clip):.1f} ms")  # fmt: skip
        with session_scope() as session:
            problems = ledger.reconcile(session)
        print(f"reconcile  {problems if problems else 'clean'}")
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
