"""The fault scenario's web side: API web processes (uvicorn on `create_api`, what each
backend-only web process of the production layout serves under /api) and readers that
follow clips through their progress streams, failing over to the other process when one
is down, as nginx in front of them does."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from tests.support.servers import free_port
from v4a_portal.settings import ROOT

if TYPE_CHECKING:
    from tests.support.faults import Clip


class WebProcesses:
    def __init__(self, folder: Path, count: int) -> None:
        self.folder = folder
        self.ports = [free_port() for _ in range(count)]
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[n]}"

    def start_all(self) -> None:
        for n in range(len(self.ports)):
            self.start(n, wait=False)
        for n in range(len(self.ports)):
            self._wait(n)

    def start(self, n: int, wait: bool = True) -> None:
        with (self.folder / f"web-{n}.log").open("ab") as out:
            self.processes[n] = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "v4a_portal.api.app:create_api",
                 "--host", "127.0.0.1", "--port", str(self.ports[n]), "--log-level", "warning"],
                cwd=ROOT, env=dict(os.environ), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        if wait:
            self._wait(n)

    def _wait(self, n: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url(n)}/api/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"web process {n} did not start")

    def kill(self, n: int) -> None:
        """SIGKILL: its open streams are cut without a goodbye."""
        process = self.processes[n]
        if process is not None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def stop_all(self) -> None:
        for n in range(len(self.ports)):
            self.kill(n)


class ProgressReaders:
    """One thread per web process, each opening the progress stream of one clip after
    another (`snapshot` received = a read served); counts served, failed over, failed."""

    def __init__(self, webs: WebProcesses, clips: list[Clip], counts: Counter[str]) -> None:
        self.webs = webs
        self.clips = itertools.cycle(clips)
        self.counts = counts
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(n,), daemon=True)
            for n in range(len(webs.ports))
        ]

    def start(self) -> ProgressReaders:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(15)

    def _read(self, n: int) -> None:
        while not self._stop.is_set():
            with self._lock:
                clip = next(self.clips)
            others = [m for m in range(len(self.webs.ports)) if m != n]
            for attempt, m in enumerate([n, *others]):
                if self._snapshot(m, clip):
                    self._count("served after fail-over" if attempt else "served")
                    break
            else:
                self._count("failed")
                time.sleep(0.5)

    def _snapshot(self, n: int, clip: Clip) -> bool:
        url = f"{self.webs.url(n)}/api/v1/videos/{clip.video_id}/events"
        headers = {"Authorization": f"Bearer {clip.token}"}
        try:
            with httpx.stream("GET", url, headers=headers, timeout=5) as response:
                if response.status_code != 200:
                    self._count(f"HTTP {response.status_code}")
                    return False
                return any(line.startswith("event: snapshot") for line in response.iter_lines())
        except httpx.HTTPError:
            return False

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1
