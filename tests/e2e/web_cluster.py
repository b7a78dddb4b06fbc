"""The production layout for the browser tests (README, "Production layout"): the frontend
built once into static files, two backend-only web processes sharing each tab's state in a
private Redis, Debian's nginx in front of them (deploy/nginx.conf.template), and an RQ
worker; a migrated SQLite database with the demo data, all in a temp dir on 127.0.0.1.
A test may kill a web process and start it again on its port."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.nginx_conf import NGINX
from tests.e2e.servers import (
    ROOT,
    STARTUP_SECONDS,
    Portal,
    Process,
    ServerError,
    portal_env,
    redis_server,
    wait_until_ready,
)
from tests.support.servers import free_port

REFLEX = str(ROOT / ".venv" / "bin" / "reflex")


@dataclass
class Cluster:
    portal: Portal  # its url is nginx's
    web_ports: list[int]
    web: list[Process] = field(default_factory=list)

    def start_web(self, n: int, *, wait: bool = True) -> None:
        """Web process `n` (0-based) on its port, as scripts/serve_prod.sh starts it."""
        port = self.web_ports[n]
        # Its own states dir: web processes starting at once would each empty a shared one.
        states = str(self.portal.log_dir / f"states-{n}")
        env = {**self.portal.env, "REFLEX_BACKEND_ONLY": "true", "REFLEX_STATES_WORKDIR": states}
        args = [REFLEX, "run", "--env", "prod", "--backend-host", "127.0.0.1"]
        process = Process([*args, "--backend-port", str(port)], env, self._log(f"web-{n}"))
        if n < len(self.web):
            self.web[n] = process
        else:
            self.web.append(process)
        if wait:
            self.wait_web(n)

    def wait_web(self, n: int) -> None:
        _wait_for(self.web[n], f"http://127.0.0.1:{self.web_ports[n]}/ping")

    def kill_web(self, n: int) -> None:
        """SIGKILL web process `n` and its children: no goodbye to any socket."""
        process = self.web[n]
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(10)

    def nginx_errors(self) -> str:
        return (self.portal.log_dir / "nginx" / "error.log").read_text(errors="replace")

    def _log(self, name: str) -> Path:
        return self.portal.log_dir / f"{name}.log"


def _wait_for(process: Process, url: str) -> None:
    wait_until_ready(process, url, lambda: httpx.get(url, timeout=3).status_code == 200)


def _build_frontend(portal: Portal) -> None:
    """The static build, its api_url nginx's URL; in the cluster's own Reflex web dir, so the
    session portal's `.web` (another URL) stays as it is."""
    log = portal.log_dir / "build.log"
    with log.open("wb") as out:
        done = subprocess.run(
            [REFLEX, "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=ROOT,
            env=portal.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=STARTUP_SECONDS,
        )
    if done.returncode != 0:
        raise ServerError(f"the frontend build failed:\n{log.read_text()[-3000:]}")


@contextmanager
def running_cluster(oidc_url: str, web_processes: int = 2) -> Iterator[Cluster]:
    tmp = Path(tempfile.mkdtemp(prefix="v4a-cluster-"))
    # nginx started as root runs its workers as nobody: they must reach the build in here.
    tmp.chmod(0o755)
    data_dir = tmp / "data"
    data_dir.mkdir()
    servers: list[Process] = []
    try:
        with redis_server() as redis_url:
            port = free_port()
            env = portal_env(port, oidc_url, data_dir, redis_url)
            env.update(
                {
                    "REFLEX_REDIS_URL": redis_url,  # any web process serves any tab
                    "REFLEX_WEB_WORKDIR": str(tmp / "web"),
                    "REFLEX_TRUSTED_PROXY_HOPS": "1",  # the client IP from nginx's header
                    "GRANIAN_WORKERS": "1",  # one process each: one can die alone
                }
            )
            portal = Portal(f"http://127.0.0.1:{port}", oidc_url, data_dir, env, tmp)
            cluster = Cluster(portal, [free_port() for _ in range(web_processes)])
            portal.cli("db", "upgrade")
            portal.cli("seed-demo")
            _build_frontend(portal)
            backends = [arg for p in cluster.web_ports for arg in ("--backend", f"127.0.0.1:{p}")]
            run_dir = tmp / "nginx"
            conf = portal.python(
                "-m", "deploy.nginx_conf", "--listen", f"127.0.0.1:{port}",
                "--web-dir", str(tmp / "web"), "--run-dir", str(run_dir), *backends,
            ).strip()  # fmt: skip
            nginx = [str(NGINX), "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", conf]
            servers.append(Process(nginx, env, tmp / "nginx.log"))
            servers.append(Process([sys.executable, "-m", "jobs.worker"], env, tmp / "worker.log"))
            try:
                for n in range(web_processes):
                    cluster.start_web(n, wait=False)
                for n in range(web_processes):
                    cluster.wait_web(n)
                _wait_for(servers[0], f"{portal.url}/api/health")
                yield cluster
            finally:
                for server in [*cluster.web, *reversed(servers)]:
                    server.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
