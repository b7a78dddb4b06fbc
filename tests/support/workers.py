"""Real worker processes (`python -m jobs.worker`) with the caller's environment, and a
SIGKILL that takes their whole session (the worker and its RQ scheduler) as a machine
dying would: for the pipeline tests, the fault suite and its benchmark."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from v4a_portal.settings import ROOT


class WorkerProcess:
    def __init__(self, log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jobs.worker"],
                cwd=ROOT,
                env=dict(os.environ),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its session: the worker and its scheduler
            )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and everything of its session (its scheduler), as a
        machine or container dying would; detached renders have their own sessions."""
        sid = self.process.pid
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if os.getsid(int(entry.name)) == sid:
                        os.kill(int(entry.name), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class Workers:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[WorkerProcess] = []

    def start(self) -> WorkerProcess:
        worker = WorkerProcess(self.folder / f"worker-{len(self.started) + 1}.log")
        self.started.append(worker)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            if worker.alive:
                worker.kill()  # no warm shutdown needed: the test is over
