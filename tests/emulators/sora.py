"""A local HTTP server speaking the OpenAI Videos API (`/v1/videos`), for the real `openai` SDK.

Routes: POST /v1/videos (multipart: prompt, model, seconds, size, input_reference),
GET /v1/videos/{id}, GET /v1/videos/{id}/content (?variant=thumbnail: a WebP still),
DELETE /v1/videos/{id}. Like the real API
it refuses an input_reference whose pixel size differs from `size`.

Test API:
    emulator = SoraEmulator(polls_to_finish=3).start()   # or seconds_to_finish=1.5
    emulator.base_url              "http://127.0.0.1:PORT/v1" (V4A_SORA_BASE_URL)
    emulator.script("ok", ...)     outcomes of the next videos, in order; then "ok":
        "ok"          completed, content is a small real MP4
        "fail"        failed with error code "internal_error"
        "moderation"  failed with error code "moderation_blocked"
        "never"       stays in_progress
    emulator.fault("create" | "retrieve" | "content" | "delete", status, times=1, code=None)
                   answer the next `times` such calls with that HTTP status and an OpenAI error
                   body (a faulted create makes no video); e.g. fault("content", 500, times=2)
    emulator.generations           videos created: paid generations
    emulator.uploads               per accepted create: {"fields": {...}, "image": bytes,
                                   "image_size": (w, h), "content_type"}
    emulator.deleted               ids deleted through DELETE
    emulator.requests              every request: {"method", "path", "auth"}
    emulator.jobs                  video id -> Job (outcome, polls, deleted, ...)
    emulator.video                 the MP4 bytes served (support.mp4.sample_mp4() unless replaced)
    emulator.reset()               forget scripts, faults, videos and counters
    emulator.stop()
A video is `queued` on its first retrieve, `in_progress` with rising progress until the
`polls_to_finish`-th retrieve (or `seconds_to_finish` after creation), then final.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

from PIL import Image

from tests.emulators.base import EmulatorServer, QuietHandler
from tests.support.mp4 import sample_mp4

SIZES = {
    "sora-2": ("720x1280", "1280x720"),
    "sora-2-pro": ("720x1280", "1280x720", "1024x1792", "1792x1024"),
}


@dataclass
class Job:
    id: str
    model: str
    prompt: str
    seconds: str
    size: str
    outcome: str
    created: float
    polls: int = 0
    deleted: bool = False


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[bytes, str | None]]:
    """Form fields by name: (raw bytes, content type of file parts)."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, tuple[bytes, str | None]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        is_file = part.get_filename() is not None
        fields[str(name)] = (payload, part.get_content_type() if is_file else None)
    return fields


class SoraEmulator(EmulatorServer):
    prefix = "/v1"

    def __init__(self, *, polls_to_finish: int = 3, seconds_to_finish: float | None = None) -> None:
        self.polls_to_finish = polls_to_finish
        self.seconds_to_finish = seconds_to_finish
        self.video = sample_mp4()
        self._lock = threading.Lock()
        self.reset()
        super().__init__()

    def reset(self) -> None:
        with self._lock:
            self.outcomes: deque[str] = deque()
            self.faults: dict[str, deque[tuple[int, str | None]]] = {
                call: deque() for call in ("create", "retrieve", "content", "delete")
            }
            self.jobs: dict[str, Job] = {}
            self.uploads: list[dict[str, Any]] = []
            self.deleted: list[str] = []
            self.requests: list[dict[str, Any]] = []
            self.generations = 0

    def script(self, *outcomes: str) -> None:
        with self._lock:
            self.outcomes.extend(outcomes)

    def fault(self, call: str, status: int, *, times: int = 1, code: str | None = None) -> None:
        with self._lock:
            self.faults[call].extend([(status, code)] * times)

    # --- behaviour ---------------------------------------------------------------------------

    def _state(self, job: Job) -> tuple[str, int]:
        if self.seconds_to_finish is not None:
            share = (time.monotonic() - job.created) / self.seconds_to_finish
        else:
            share = job.polls / self.polls_to_finish
        if job.outcome == "never":
            share = min(share, 0.9)
        if share >= 1:
            return ("completed" if job.outcome == "ok" else "failed"), 100
        if job.polls <= 1 and share < 0.5:
            return "queued", 0
        return "in_progress", max(1, int(share * 100))

    def _object(self, job: Job) -> dict[str, Any]:
        status, progress = self._state(job)
        error = None
        if status == "failed":
            code = "moderation_blocked" if job.outcome == "moderation" else "internal_error"
            error = {"code": code, "message": f"Emulated failure: {code}."}
        return {
            "id": job.id,
            "object": "video",
            "status": status,
            "progress": progress,
            "created_at": int(time.time()),
            "completed_at": int(time.time()) if status in ("completed", "failed") else None,
            "expires_at": None,
            "error": error,
            "model": job.model,
            "prompt": job.prompt,
            "seconds": job.seconds,
            "size": job.size,
            "remixed_from_video_id": None,
        }

    def _create(self, content_type: str, body: bytes) -> tuple[int, dict[str, Any]]:
        fields = parse_multipart(content_type, body)
        text = {name: value.decode() for name, (value, kind) in fields.items() if kind is None}
        model = text.get("model", "sora-2")
        size = text.get("size", "720x1280")
        seconds = text.get("seconds", "4")
        if size not in SIZES.get(model, ()):
            return 400, _error(f"Invalid size {size!r} for {model}.", "invalid_value", "size")
        if seconds not in ("4", "8", "12"):
            return 400, _error(f"Invalid seconds {seconds!r}.", "invalid_value", "seconds")
        upload: dict[str, Any] = {"fields": text, "image": None, "image_size": None}
        if "input_reference" in fields:
            data, kind = fields["input_reference"]
            with Image.open(io.BytesIO(data)) as image:
                upload.update(image=data, image_size=image.size, content_type=kind)
            if "x".join(map(str, upload["image_size"])) != size:
                message = "Inpaint image must match the requested width and height."
                return 400, _error(message, "invalid_value", "input_reference")
        with self._lock:
            outcome = self.outcomes.popleft() if self.outcomes else "ok"
            job = Job(
                f"video_{uuid.uuid4().hex}",
                model,
                text.get("prompt", ""),
                seconds,
                size,
                outcome,
                time.monotonic(),
            )
            self.jobs[job.id] = job
            self.uploads.append(upload)
            self.generations += 1
            return 200, self._object(job)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(QuietHandler):
            extra_headers: ClassVar[dict[str, str]] = {"retry-after-ms": "10"}  # fast SDK retries

            def _send(
                self, status: int, body: dict[str, Any] | bytes, kind: str = "application/json"
            ) -> None:
                self.send_body(status, body, kind)

            def _route(self, method: str) -> None:
                body = self.read_body()
                emulator.requests.append(
                    {"method": method, "path": self.path, "auth": self.headers.get("Authorization")}
                )
                parts = self.path.split("?")[0].strip("/").split("/")  # v1 videos {id} content
                if parts[:2] != ["v1", "videos"] or len(parts) > 4:
                    self._send(404, _error(f"Unknown route {self.path}", "not_found"))
                    return
                call = {
                    ("POST", 2): "create",
                    ("GET", 3): "retrieve",
                    ("GET", 4): "content",
                    ("DELETE", 3): "delete",
                }.get((method, len(parts)))
                if call is None or (call == "content" and parts[3] != "content"):
                    self._send(404, _error(f"Unknown route {self.path}", "not_found"))
                    return
                with emulator._lock:
                    fault = emulator.faults[call].popleft() if emulator.faults[call] else None
                if fault:
                    self._send(fault[0], _error(f"Emulated HTTP {fault[0]}.", fault[1]))
                    return
                if call == "create":
                    self._send(*emulator._create(self.headers["Content-Type"], body))
                    return
                with emulator._lock:
                    job = emulator.jobs.get(parts[2])
                    if job is None or job.deleted:
                        answer: tuple[int, Any] = (404, _error("Video not found.", "not_found"))
                    elif call == "retrieve":
                        job.polls += 1
                        answer = (200, emulator._object(job))
                    elif call == "delete":
                        job.deleted = True
                        emulator.deleted.append(job.id)
                        answer = (200, {"id": job.id, "object": "video.deleted", "deleted": True})
                    elif emulator._state(job)[0] != "completed":
                        answer = (404, _error("Video is not ready yet.", "video_not_ready"))
                    elif "variant=thumbnail" in self.path:
                        answer = (200, thumbnail_webp())
                    else:
                        answer = (200, emulator.video)
                if isinstance(answer[1], bytes):
                    kind = "image/webp" if "variant=thumbnail" in self.path else "video/mp4"
                    self._send(answer[0], answer[1], kind)
                else:
                    self._send(*answer)

            def do_POST(self) -> None:
                self._route("POST")

            def do_GET(self) -> None:
                self._route("GET")

            def do_DELETE(self) -> None:
                self._route("DELETE")

        return Handler


@lru_cache
def thumbnail_webp() -> bytes:
    """What the API's thumbnail variant serves: a WebP still, full size."""
    out = io.BytesIO()
    Image.new("RGB", (720, 1280), (200, 80, 40)).save(out, "WEBP")
    return out.getvalue()


def _error(message: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {
        "error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    }
