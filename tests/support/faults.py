"""The fault scenario that tests/faults and bench/faults.py run at two sizes: draft and Veo
clips (the emulator with latency and random 5xx answers) on a private PostgreSQL and Redis,
2 worker processes and 2 API web processes whose progress streams are read, while workers
are SIGKILLed (a replacement starts at once, as `make run`'s loop does), Redis and
PostgreSQL are restarted and a web process is killed. Then the clips, the ledger and the
provider's generations are counted against the invariants."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import text

from tests.emulators.veo import VeoEmulator
from tests.support.faults_web import ProgressReaders, WebProcesses
from tests.support.private_postgres import private_postgres
from tests.support.samples import jpeg
from tests.support.servers import RedisServer
from tests.support.workers import Workers
from v4a_portal import schema_migrations
from v4a_portal.db import reset_engine, session_scope
from v4a_portal.models import FINAL_STATUSES, LedgerKind, User
from v4a_portal.providers.draft_renderer import RenderDir
from v4a_portal.services import images, ledger, videos
from v4a_portal.services.auth import api_tokens
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.videos import rq_jobs
from v4a_portal.settings import ROOT, get_settings

VEO = "veo-3.1-fast-generate-001"
# No clip moved for this long (several sweep intervals, leases and retry backoffs): what is
# still active then is stuck.
STALL_SECONDS = 30.0
SUBMIT_WINDOW = 2.0  # seconds around a submit in which a fault can lose the generation's id
# Short leases and sweeps: a fault is repaired in seconds, not in production's minute.
ENV = {
    "V4A_VIDEO_LEASE_SECONDS": "3",
    "V4A_MAINTENANCE_SECONDS": "2",
    "V4A_VIDEO_RETRY_SECONDS": "1",
    "V4A_VIDEO_POLL_SECONDS": "0.5",
    "V4A_VEO_ENABLED": "true",
    "GOOGLE_CLOUD_PROJECT": "faults",
    "V4A_VEO_ACCESS_TOKEN": "faults",
    "V4A_VEO_MAX_IN_FLIGHT": "50",
    "V4A_VEO_TYPICAL_SECONDS": "3",
    "V4A_VEO_TIMEOUT": "120",
}


@dataclass
class Scenario:
    draft: int = 100
    veo: int = 100
    kills: int = 20
    gap: float = 3.0  # seconds between two faults
    veo_seconds: float = 3.0  # a Veo generation is done this long after its submit
    fault_rate: float = 0.3  # of the emulator's answers, 5xx
    users: int = 4
    settle_timeout: float = 600.0


@dataclass
class Clip:
    video_id: int
    user_id: int
    token: str
    model: str
    prompt: str


@dataclass
class Report:
    scenario: Scenario
    seconds: float = 0.0
    completed: int = 0
    failed_refunded: int = 0
    failed_unrefunded: int = 0  # failed or canceled without its refund
    completed_refunded: int = 0
    stuck: int = 0
    stuck_rows: list[str] = field(default_factory=list)  # what each stuck clip's row holds
    double_refunds: int = 0
    veo_generations: int = 0
    veo_doubles: int = 0  # clips with more than one generation at the provider
    veo_doubles_in_window: int = 0  # of those, each extra one made just before a fault
    draft_renders: int = 0
    draft_extra: int = 0  # renders whose id no clip kept
    draft_extra_in_window: int = 0  # of those, each started just before a fault
    draft_extra_nearest_fault: list[float] = field(default_factory=list)  # seconds
    reconcile: str = ""
    reconcile_clean: bool = False
    faults: list[tuple[float, str]] = field(default_factory=list)
    progress_reads: Counter[str] = field(default_factory=Counter)

    @property
    def clips(self) -> int:
        return self.scenario.draft + self.scenario.veo


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set env vars for this process and the ones it starts; restore them afterwards."""
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    _forget_settings()
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _forget_settings()


def _forget_settings() -> None:
    get_settings.cache_clear()
    get_redis.cache_clear()
    reset_engine()


def run(scenario: Scenario, folder: Path) -> Report:
    report = Report(scenario)
    emulator = VeoEmulator(seconds_to_finish=scenario.veo_seconds, fault_rate=scenario.fault_rate)
    redis_server = RedisServer()
    redis_server.start()
    emulator.start()
    try:
        with private_postgres() as pg:
            env = {
                **ENV,
                "DATABASE_URL": pg.url,
                "REDIS_URL": redis_server.url,
                "V4A_DATA_DIR": str(folder / "data"),
                "V4A_VEO_BASE_URL": emulator.base_url,
            }
            with environment(env):
                schema_migrations.upgrade()
                workers = Workers(folder)
                webs = WebProcesses(folder, 2)
                try:
                    _run_batch(scenario, report, workers, webs, redis_server, pg.restart)
                    _count(report, emulator)
                finally:
                    webs.stop_all()
                    workers.stop_all()
                    reset_engine()
    finally:
        emulator.stop()
        redis_server.stop()
    return report


def _run_batch(
    scenario: Scenario,
    report: Report,
    workers: Workers,
    webs: WebProcesses,
    redis_server: RedisServer,
    restart_postgres: Callable[[], None],
) -> None:
    for _ in range(2):
        workers.start()
    webs.start_all()
    began = time.monotonic()
    clips = order(scenario)
    readers = ProgressReaders(webs, clips, report.progress_reads).start()
    for kind in fault_plan(scenario.kills):
        time.sleep(scenario.gap)
        report.faults.append((time.monotonic(), kind))
        if kind == "kill":
            alive = [w for w in workers.started if w.alive]
            random.choice(alive).kill()
            workers.start()
        elif kind == "redis":
            redis_server.stop()
            time.sleep(1)
            redis_server.start()
        elif kind == "postgres":
            restart_postgres()
        else:
            webs.kill(1)
            time.sleep(1)
            webs.start(1)  # a supervisor starts it again
    ids = [c.video_id for c in clips]
    _settle(ids, scenario.settle_timeout)
    report.seconds = time.monotonic() - began
    # Another sweep interval and lease: whatever a late sweep would still change, it has.
    settings = get_settings()
    time.sleep(settings.maintenance_seconds + settings.video_lease_seconds)
    readers.stop()
    report.stuck = _active(ids)
    report.stuck_rows = _describe_active(ids)


def _settle(ids: list[int], timeout: float) -> None:
    """Wait until every clip has ended, or none has moved (status or progress) for
    STALL_SECONDS, or `timeout`. A clip still rendering on a starved machine is slow, not
    stuck: the wait goes on while any clip moves; what stays put that long is stuck."""
    deadline = time.monotonic() + timeout
    last: list[tuple[int, str, int]] = []
    moved = time.monotonic()
    while time.monotonic() < deadline:
        state = _states(ids)
        if all(status in FINAL_STATUSES for _, status, _ in state):
            return
        if state != last:
            last, moved = state, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            return
        time.sleep(0.5)


def fault_plan(kills: int) -> list[str]:
    """The worker kills, with one Redis restart, one PostgreSQL restart and one web kill
    spread among them."""
    plan = ["kill"] * kills
    for at, kind in ((3 * kills // 4, "web"), (kills // 2, "postgres"), (kills // 4, "redis")):
        plan.insert(max(1, at), kind)
    return plan


def order(scenario: Scenario) -> list[Clip]:
    """Each user orders clips through the services the API calls; every Veo clip has a prompt
    of its own, so the emulator's generations can be counted per clip."""
    users = [_customer(n) for n in range(scenario.users)]
    wanted = ["draft"] * scenario.draft + [VEO] * scenario.veo
    random.shuffle(wanted)
    clips = []
    for n, model in enumerate(wanted):
        user_id, image_id, token = users[n % len(users)]
        prompt = f"fault clip {n}"
        video_id = videos.request(user_id, image_id, None, prompt, model, 4, "720x1280").video_ids
        clips.append(Clip(video_id[0], user_id, token, model, prompt))
    return clips


def _customer(n: int) -> tuple[int, int, str]:
    with session_scope() as session:
        user = User(email=f"faults{n}@faults.example")
        session.add(user)
        session.flush()
        assert user.id is not None
        ledger.post(
            session, user_id=user.id, delta=10**7, kind=LedgerKind.purchase, key=f"open:{n}"
        )
        image = images.save_upload(session, user.id, "p.jpg", jpeg((720, 1280))).image
        token = api_tokens.issue(session, user).access_token
        assert image.id is not None
        return user.id, image.id, token


def _states(ids: list[int]) -> list[tuple[int, str, int]]:
    with session_scope() as session:
        rows = session.execute(
            text("SELECT id, status, progress FROM videos WHERE id = ANY(:ids) ORDER BY id"),
            {"ids": ids},
        )
        return [(row.id, row.status, row.progress) for row in rows]


def _active(ids: list[int]) -> int:
    with session_scope() as session:
        return sum(
            1
            for status in session.execute(
                text("SELECT status FROM videos WHERE id = ANY(:ids)"), {"ids": ids}
            ).scalars()
            if status not in FINAL_STATUSES
        )


def _describe_active(ids: list[int]) -> list[str]:
    """Each clip still active: its row, its lease's holder and its RQ job's status, for the
    failure message."""
    conn = get_redis()
    with session_scope() as session:
        rows = session.execute(
            text(
                "SELECT id, model, status, attempts, celery_task_id AS rq_job, provider_job_id, "
                "progress, error_code, created_at FROM videos WHERE id = ANY(:ids) ORDER BY id"
            ),
            {"ids": ids},
        ).all()
    described = []
    for row in rows:
        if row.status in FINAL_STATUSES:
            continue
        fields = dict(row._mapping)
        fields["lease"] = conn.get(rq_jobs.lease_key(row.id))
        try:
            fields["rq_status"] = Job.fetch(row.rq_job, connection=conn).get_status()
        except NoSuchJobError:
            fields["rq_status"] = "no such job"
        described.append(" ".join(f"{k}={v}" for k, v in fields.items()))
    return described


def _count(report: Report, emulator: VeoEmulator) -> None:
    with session_scope() as session:
        refunds = Counter(
            session.execute(
                text("SELECT reference FROM credit_ledger WHERE kind = :k"),
                {"k": LedgerKind.refund.value},
            ).scalars()
        )
        rows = list(session.execute(text("SELECT id, status, prompt, provider_job_id FROM videos")))
        report.reconcile = "; ".join(
            f"user {m.user_id}: {m.problem}" for m in ledger.reconcile(session)
        )
    report.double_refunds = sum(1 for n in refunds.values() if n > 1)
    for video_id, status, _, _ in rows:
        refunded = refunds[f"video:{video_id}"] > 0
        if status == "completed":
            report.completed += 1
            report.completed_refunded += refunded
        elif status in FINAL_STATUSES:
            report.failed_refunded += refunded
            report.failed_unrefunded += not refunded
    _count_generations(report, emulator, {prompt: job for _, _, prompt, job in rows})
    _count_renders(report, {(job or "").split("|")[0] for _, _, _, job in rows})
    cli = subprocess.run(
        [sys.executable, "-m", "v4a_portal", "credits", "reconcile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    report.reconcile_clean = cli.returncode == 0 and not report.reconcile
    report.reconcile = (cli.stdout + cli.stderr).strip()


def _count_generations(
    report: Report, emulator: VeoEmulator, job_by_prompt: dict[str, str | None]
) -> None:
    """Generations per Veo clip at the provider; an extra one (not the id the row kept) made
    within SUBMIT_WINDOW of a fault is the documented submit window: the provider made it,
    the fault lost its id before the commit."""
    by_prompt: dict[str, list[tuple[str, float]]] = {}
    for operation in emulator.operations.values():
        by_prompt.setdefault(operation.prompt, []).append((operation.name, operation.created))
    report.veo_generations = len(emulator.operations)
    for prompt, made in by_prompt.items():
        if len(made) < 2:
            continue
        report.veo_doubles += 1
        kept = (job_by_prompt.get(prompt) or "").split("|")[0]
        extra = [created for name, created in made if name != kept]
        if all(_fault_near(report.faults, created) for created in extra):
            report.veo_doubles_in_window += 1


def _count_renders(report: Report, kept: set[str]) -> None:
    """Draft renders started (one line each in the renderer's submissions.log); a render
    whose id no clip kept, started within SUBMIT_WINDOW of a fault, is the same submit
    window as a provider's: the render ran, the fault lost its id before the commit."""
    root = get_settings().data_dir / "renders"
    started = (root / "submissions.log").read_text().split() if root.exists() else []
    report.draft_renders = len(started)
    to_monotonic = time.monotonic() - time.time()  # the faults' clock
    for render_id in (r for r in started if r not in kept):
        report.draft_extra += 1
        spec = RenderDir(root / render_id).spec
        if spec.exists():  # the nearest fault, seconds after (+) or before (-) its start
            started_at = spec.stat().st_mtime + to_monotonic
            offsets = [at - started_at for at, _ in report.faults]
            report.draft_extra_nearest_fault.append(round(min(offsets, key=abs), 1))
        if spec.exists() and _fault_near(report.faults, spec.stat().st_mtime + to_monotonic):
            report.draft_extra_in_window += 1


def _fault_near(faults: list[tuple[float, str]], created: float) -> bool:
    """A fault within SUBMIT_WINDOW after the submit, or one that began up to that long
    before it: a restart of PostgreSQL or Redis is still under way when the id is stored."""
    return any(abs(at - created) <= SUBMIT_WINDOW for at, _ in faults)


def table(report: Report) -> str:
    """The figures against the aim, one row each."""
    s = report.scenario
    kinds = Counter(kind for _, kind in report.faults)
    reads = ", ".join(f"{n} {what}" for what, n in sorted(report.progress_reads.items()))
    rows = [
        ("clips", f"{s.draft} draft + {s.veo} Veo ({s.fault_rate:.0%} 5xx, done "
                  f"{s.veo_seconds:g} s after submit), {s.users} users", ""),
        ("faults", f"{kinds['kill']} worker SIGKILLs, {kinds['redis']} Redis restart, "
                   f"{kinds['postgres']} PostgreSQL restart, {kinds['web']} web kill, "
                   f"every {s.gap:g} s", ""),
        ("completed", str(report.completed), ""),
        ("failed and refunded once", str(report.failed_refunded), ""),
        ("stuck after the sweep", str(report.stuck), "aim 0"),
        ("ended wrong (failed unrefunded, completed refunded)",
         str(report.failed_unrefunded + report.completed_refunded), "aim 0"),
        ("double refunds", str(report.double_refunds), "aim 0"),
        ("Veo generations at the provider", f"{report.veo_generations} for {s.veo} clips", ""),
        ("Veo clips generated twice", f"{report.veo_doubles} ({report.veo_doubles_in_window} "
                                      "in the submit window)", "aim 0 outside the window"),
        ("draft renders", f"{report.draft_renders} for {s.draft} clips ({report.draft_extra} "
                          f"extra, {report.draft_extra_in_window} in the submit window; nearest "
                          f"fault {report.draft_extra_nearest_fault} s)",
         "aim none outside the window"),
        ("credits reconcile", report.reconcile, "aim clean"),
        ("progress streams read", reads, ""),
        ("time to the last clip ended", f"{report.seconds:.1f} s", ""),
    ]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value:<40} {aim}".rstrip() for name, value, aim in rows)


def met(report: Report) -> bool:
    """The aim: nothing stuck or wrongly ended, no double refund, no double generation
    outside the submit window, the ledger clean."""
    return (
        report.stuck == report.double_refunds == 0
        and report.failed_unrefunded == report.completed_refunded == 0
        and report.veo_doubles == report.veo_doubles_in_window
        and report.draft_extra == report.draft_extra_in_window
        and report.draft_renders - report.draft_extra == report.scenario.draft
        and report.reconcile_clean
    )
