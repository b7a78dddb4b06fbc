"""The local draft renderer as a video provider: each clip renders in a detached process.

`submit` writes the clip's inputs to a folder folder and starts
`python -m v4a_portal.providers.draft_render_process <folder>` in its own session, so the render
outlives the RQ worker that asked for it (a SIGKILLed worker's retry polls the same folder id).
Everything about a folder is in its folder, `<renders>/<render_id>/`:

    spec.json, photo      the inputs
    pid                   the render process (also its process group: cancel kills both it
                          and its ffmpeg)
    progress              0-99 while frames are encoded, rewritten atomically (a heartbeat)
    video.mp4             the result, renamed from video.mp4.part when complete
    thumb.jpg             its first frame, 480 wide (written as that frame is drawn)
    error.json            {"code", "message"} when the render failed
    canceled              present once cancel was asked
    render.log            the process's stderr (ffmpeg's included)

`<renders>/submissions.log` gets one line per submit (never pruned): `generations` counts it,
so tests can check that a clip was generated exactly once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from v4a_portal.providers import capabilities
from v4a_portal.providers.video_provider import (
    GenerationSpec,
    GenerationState,
    GenerationStatus,
    PermanentProviderError,
    TransientProviderError,
)

# A render rewrites its progress file several times a second; one silent this long is gone
# (killed with the machine, or a zombie nobody reaped).
STALE_SECONDS = 60.0
# The project root, for the render's PYTHONPATH (not from settings: the render process
# starts faster without importing pydantic).
ROOT = Path(__file__).resolve().parents[2]
_RENDER_ID = re.compile(r"^[0-9a-f]{32}$")
_LOST = "The preview render stopped unexpectedly; please try again."


@dataclass(frozen=True)
class RenderDir:
    """The files of one render folder (see the module docstring)."""

    path: Path

    @property
    def spec(self) -> Path:
        return self.path / "spec.json"

    @property
    def photo(self) -> Path:
        return self.path / "photo"

    @property
    def pid(self) -> Path:
        return self.path / "pid"

    @property
    def progress(self) -> Path:
        return self.path / "progress"

    @property
    def video(self) -> Path:
        return self.path / "video.mp4"

    @property
    def thumbnail(self) -> Path:
        return self.path / "thumb.jpg"

    @property
    def partial(self) -> Path:
        return self.path / "video.mp4.part"

    @property
    def error(self) -> Path:
        return self.path / "error.json"

    @property
    def canceled(self) -> Path:
        return self.path / "canceled"

    @property
    def log(self) -> Path:
        return self.path / "render.log"

    def write_atomic(self, target: Path, text: str) -> None:
        temp = target.with_name(f".{target.name}.{os.getpid()}")
        temp.write_text(text)
        os.replace(temp, target)

    def record_pid(self, pid: int) -> None:
        """The launcher writes it, and the render again as it starts, while pollers may read it
        at any moment: atomically, since a truncated file reads as no render at all (lost)."""
        self.write_atomic(self.pid, str(pid))

    def read_progress(self) -> int:
        try:
            return int(self.progress.read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def fail(self, code: str, message: str) -> None:
        self.write_atomic(self.error, json.dumps({"code": code, "message": message}))


# Launched renders of this process: polling them reaps them, so an exited render is never
# mistaken for a live one (a zombie still answers kill(pid, 0)).
_children: dict[int, subprocess.Popen[bytes]] = {}


def _reap() -> None:
    for pid, child in list(_children.items()):
        if child.poll() is not None:
            _children.pop(pid, None)


def _alive(pid: int) -> bool:
    _reap()
    if pid in _children:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: a zombie whose parent died before reaping it has finished
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class DraftRenderer:
    name = "draft"

    def __init__(self, renders_dir: Path, *, fps: int = 24) -> None:
        self.root = renders_dir
        self.fps = fps

    # --- the provider interface ----------------------------------------------------------

    def submit(self, spec: GenerationSpec) -> str:
        capabilities.check(spec)
        render_id = uuid.uuid4().hex
        folder = RenderDir(self.root / render_id)
        folder.path.mkdir(parents=True)
        folder.photo.write_bytes(spec.image_bytes)
        spec_fields = {
            "model": spec.model,
            "prompt": spec.prompt,
            "duration": spec.duration,
            "size": spec.size,
            "fps": self.fps,
            "seed": int(render_id[:8], 16),
            "captions": [[c.start, c.end, c.text] for c in spec.captions],
        }
        folder.write_atomic(folder.spec, json.dumps(spec_fields))
        with (self.root / "submissions.log").open("a") as log:
            log.write(render_id + "\n")
        self._launch(folder)
        return render_id

    def poll(self, render_id: str) -> GenerationStatus:
        folder = self._folder(render_id)
        _reap()
        progress = folder.read_progress()
        if folder.canceled.exists():
            return GenerationStatus(GenerationState.canceled, progress)
        if finished := self._finished(folder):
            return finished
        if not self._running(folder):
            # It may have finished between the checks above and the liveness test.
            if finished := self._finished(folder):
                return finished
            return GenerationStatus(GenerationState.failed, progress, "render_lost", _LOST)
        state = GenerationState.running if folder.progress.exists() else GenerationState.queued
        return GenerationStatus(state, min(progress, 99))

    def download(self, render_id: str, dest: Path) -> None:
        folder = self._folder(render_id)
        status = self.poll(render_id)
        if status.state is not GenerationState.succeeded:
            if status.done:
                raise PermanentProviderError(
                    status.error_message or "The preview was not rendered.",
                    code=status.error_code or f"render_{status.state}",
                )
            raise TransientProviderError("The preview is still rendering.", code="not_ready")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder.video, dest)

    def thumbnail(self, render_id: str, dest: Path) -> bool:
        """The first frame the render drew (optional provider capability); False when the
        render made none (an older render) or is not finished."""
        folder = self._folder(render_id)
        if not folder.video.exists() or not folder.thumbnail.is_file():
            return False
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder.thumbnail, dest)
        return True

    def cancel(self, render_id: str) -> bool:
        folder = self._folder(render_id)
        if folder.canceled.exists() or self._finished(folder):
            return False
        folder.canceled.touch()
        if (pid := self._pid(folder)) is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # the render and its ffmpeg
            _alive(pid)  # reap it if it is ours
        return True

    # --- for tests and maintenance -------------------------------------------------------

    @property
    def generations(self) -> int:
        """How many clips were ever submitted here (one line each in submissions.log)."""
        try:
            return len((self.root / "submissions.log").read_text().split())
        except FileNotFoundError:
            return 0

    def prune(self, older_than_seconds: float = 86400.0) -> int:
        """Delete finished folder folders untouched for that long; returns how many."""
        removed = 0
        cutoff = time.time() - older_than_seconds
        for path in self.root.glob("*/"):
            if not _RENDER_ID.match(path.name) or path.stat().st_mtime > cutoff:
                continue
            folder = RenderDir(path)
            if folder.canceled.exists() or self._finished(folder) or not self._running(folder):
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        return removed

    # --- helpers ---------------------------------------------------------------------------

    def _folder(self, render_id: str) -> RenderDir:
        folder = RenderDir(self.root / render_id)
        if not _RENDER_ID.match(render_id) or not folder.spec.exists():
            raise PermanentProviderError("Unknown preview render.", code="unknown_job")
        return folder

    def _launch(self, folder: RenderDir) -> None:
        env = dict(os.environ)
        # The worker's working directory need not be the project root.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        with folder.log.open("ab") as log:
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "v4a_portal.providers.draft_render_process",
                    str(folder.path),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,  # survives the worker; its own process group
            )
        _children[child.pid] = child
        folder.record_pid(child.pid)

    @staticmethod
    def _finished(folder: RenderDir) -> GenerationStatus | None:
        if folder.video.exists():
            return GenerationStatus(GenerationState.succeeded, 100)
        try:
            error = json.loads(folder.error.read_text())
        except (FileNotFoundError, ValueError):
            return None
        return GenerationStatus(
            GenerationState.failed, folder.read_progress(), error.get("code"), error.get("message")
        )

    @staticmethod
    def _pid(folder: RenderDir) -> int | None:
        try:
            return int(folder.pid.read_text())
        except (FileNotFoundError, ValueError):
            return None

    def _running(self, folder: RenderDir) -> bool:
        pid = self._pid(folder)
        if pid is None or not _alive(pid):
            return False
        beat = folder.progress if folder.progress.exists() else folder.pid
        return time.time() - beat.stat().st_mtime < STALE_SECONDS
