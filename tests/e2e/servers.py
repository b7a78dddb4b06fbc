"""The real portal, for the browser tests and the benchmarks that drive a browser.

`running_portal` brings up, in a temp dir: a private `redis-server` (queues and progress
messages; nobody else's keys, nothing left behind), a migrated SQLite database with the demo
data, an RQ worker (`python -m jobs.worker`) and `reflex run --env prod --single-port`,
all with the same environment; and stops them all afterwards. No pytest here: bench/ uses it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.support.servers import free_port, private_redis

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# The first prod build of the frontend takes a minute or two.
STARTUP_SECONDS = 300


class ServerError(RuntimeError):
    """A server of the portal did not start."""


@dataclass
class Portal:
    url: str
    oidc_url: str
    data_dir: Path
    env: dict[str, str]
    log_dir: Path

    def cli(self, *args: str) -> str:
        """`python -m v4a_portal ...` against the portal's database."""
        return self.python("-m", "v4a_portal", *args)

    def python(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.data_dir / "v4a.db") as conn:
            return conn.execute(sql, params).fetchall()

    @property
    def redis_url(self) -> str:
        return self.env["REDIS_URL"]

    def logs(self, tail: int = 3000) -> str:
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace')[-tail:]}"
            for log in sorted(self.log_dir.glob("*.log"))
        )


def portal_env(
    port: int, oidc_url: str, data_dir: Path, redis_url: str, web_workers: int = 1
) -> dict[str, str]:
    # The test process may have set V4A_* for in-process tests; override them all here.
    env = dict(os.environ)
    env.update(
        {
            "V4A_PORT": str(port),
            "V4A_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "V4A_DATA_DIR": str(data_dir),
            # Reflex empties its states dir as it starts: each portal its own, so one
            # starting never races another's files in the checkout's `.states`.
            "REFLEX_STATES_WORKDIR": str(data_dir.parent / "states"),
            "DATABASE_URL": "",
            "REDIS_URL": redis_url,
            "V4A_OIDC_DISCOVERY_URL": f"{oidc_url}/.well-known/openid-configuration",
            "V4A_ADMIN_EMAILS": "",
            "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{env['PATH']}",
            "REFLEX_USE_SYSTEM_BUN": "1",
            "PYTHONUNBUFFERED": "1",
            # Billing: the local Stripe stand-in, started beside the portal.
            "STRIPE_SECRET_KEY": "",
            "STRIPE_WEBHOOK_SECRET": "whsec_e2e_0123456789abcdef",
            "V4A_STRIPE_MODE": "test",
            "V4A_STRIPE_STANDIN_URL": f"http://127.0.0.1:{free_port()}",
        }
    )
    if web_workers > 1:
        # Several backend worker processes, as `make run` starts them: Reflex keeps each
        # tab's state in Redis, so any process serves any event.
        env.update(
            {
                "REFLEX_REDIS_URL": redis_url,
                "GRANIAN_WORKERS": str(web_workers),
                "GRANIAN_LOG_LEVEL": "info",  # logs each worker process it spawns
            }
        )
    return env


class Process:
    """A server in its own session, so stopping it stops its children (uvicorn, bun, RQ's
    scheduler) too."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, grace: float = 20) -> None:
        if not self.alive:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


@contextmanager
def redis_server() -> Iterator[str]:
    """A private redis-server without persistence on a free port; yields its URL."""
    with private_redis() as server:
        yield server.url


def wait_until_ready(process: Process, what: str, ready: Callable[[], bool]) -> None:
    """Until `ready()` holds (HTTP errors count as not yet); fails at once if `process`
    exits, and after STARTUP_SECONDS."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not process.alive:
            raise ServerError(f"{what} exited:\n{process.log.read_text()[-3000:]}")
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise ServerError(f"{what} did not answer in {STARTUP_SECONDS}s:\n{process.log.read_text()}")


def _portal_ready(url: str) -> bool:
    health = httpx.get(f"{url}/api/health", timeout=3)
    index = httpx.get(f"{url}/", timeout=3)
    return health.status_code in (200, 503) and index.status_code == 200


@contextmanager
def running_portal(
    oidc_url: str, *, worker: bool = True, web_workers: int = 1, own_web_dir: bool = False
) -> Iterator[Portal]:
    """`own_web_dir`: build the frontend in the temp dir rather than the checkout's `.web`,
    so this portal can run beside another (their builds would overwrite each other)."""
    tmp = Path(tempfile.mkdtemp(prefix="v4a-e2e-"))
    data_dir = tmp / "data"
    data_dir.mkdir()
    try:
        with redis_server() as redis_url:
            port = free_port()
            env = portal_env(port, oidc_url, data_dir, redis_url, web_workers)
            if own_web_dir:
                env["REFLEX_WEB_WORKDIR"] = str(tmp / "web")
            portal = Portal(f"http://127.0.0.1:{port}", oidc_url, data_dir, env, tmp)
            portal.cli("db", "upgrade")
            portal.cli("seed-demo")
            reflex = str(ROOT / ".venv" / "bin" / "reflex")
            servers = [
                Process([reflex, "run", "--env", "prod", "--single-port"], env, tmp / "web.log"),
                Process(
                    [sys.executable, "-m", "v4a_portal.stripe_standin", "serve"],
                    env,
                    tmp / "stripe.log",
                ),
            ]
            if worker:
                servers.append(
                    Process([sys.executable, "-m", "jobs.worker"], env, tmp / "worker.log")
                )
            try:
                wait_until_ready(servers[0], "reflex", lambda: _portal_ready(portal.url))
                yield portal
            finally:
                for server in reversed(servers):
                    server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def oidc_provider() -> Iterator[str]:
    """The real `oidc-provider-mock` server in a thread; yields its base URL."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=free_port()) as server:
        yield f"http://127.0.0.1:{server.server_port}"


def start_sign_in(page: Page, portal: Portal, path: str = "/account") -> None:
    """Open `path` signed out, land on /signin, follow the Google button to the provider."""
    page.goto(portal.url + path)
    expect(page).to_have_url(re.compile(r"/signin"))
    page.get_by_role("link", name="Sign in with Google").click()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()


def sign_in(
    page: Page, portal: Portal, email: str, name: str | None = None, path: str = "/account"
) -> None:
    """The whole OAuth round trip through the provider's form, as `email`."""
    if name:
        claims = {"email": email, "name": name}
        httpx.put(f"{portal.oidc_url}/users/{email}", json=claims).raise_for_status()
    start_sign_in(page, portal, path)
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(re.escape(portal.url + path)))
    expect(page.locator("#header-user-email")).to_have_text(email)
