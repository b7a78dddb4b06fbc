"""A local HTTP server speaking Vertex AI's Veo wire format, for the real `google-genai` SDK.

Routes (what the SDK sends with `vertexai=True` and `HttpOptions(base_url=emulator.base_url)`):
    POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{m}:predictLongRunning
         {"instances": [{"prompt", "image": {"bytesBase64Encoded", "mimeType"}}],
          "parameters": {"sampleCount", "durationSeconds", "aspectRatio", "resolution",
                         "generateAudio", "storageUri"?}}  ->  {"name": ".../operations/{id}"}
    POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{m}:fetchPredictOperation
         {"operationName": name}  ->  {"name", "done"?, "response"? | "error"?}

Test API:
    emulator = VeoEmulator(polls_to_finish=3).start()   # or seconds_to_finish=1.5
    emulator.base_url              give to the provider (V4A_VEO_BASE_URL)
    emulator.script("ok", ...)     outcomes of the next operations, in order; then "ok":
        "ok"       done with one video: inline bytes, or written to the GCS emulator at the
                   request's storageUri when the emulator was made with gcs_url=...
        "fail"     done with {"error": {"code": 13, "message": "Internal error..."}}
        "safety"   done with no videos and raiMediaFilteredCount=1
        "never"    never done
    emulator.fault("submit" | "poll", status, times=1, message=None)
                   answer the next `times` such calls with that HTTP status and a Google error
                   body (a faulted submit creates no operation)
    VeoEmulator(fault_rate=0.3)    answer that share of all calls, at random, with a 500 or 503
                   (after the scripted faults; a faulted submit creates no operation)
    emulator.generations           operations created: paid generations
    emulator.submissions           the JSON bodies of accepted submits
    emulator.requests              every request: {"method", "path", "body", "auth"}
    emulator.operations            operation name -> Operation (outcome, polls, ...)
    emulator.video                 the MP4 bytes served (support.mp4.sample_mp4() unless replaced)
    emulator.reset()               forget scripts, faults, operations and counters
    emulator.stop()
An operation reports not-done for `polls_to_finish - 1` fetches, then done (or, with
`seconds_to_finish`, until that long after it was created).
"""

from __future__ import annotations

import base64
import json
import random
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx

from tests.emulators.base import EmulatorServer, QuietHandler
from tests.support.mp4 import sample_mp4

_ROUTE = re.compile(
    r"^/v1beta1/(projects/[^/]+/locations/[^/]+/publishers/google/models/[^/:]+)"
    r":(predictLongRunning|fetchPredictOperation)$"
)
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


@dataclass
class Operation:
    name: str
    outcome: str
    created: float
    storage_uri: str | None
    prompt: str = ""
    polls: int = 0
    result: dict[str, Any] = field(default_factory=dict)


class VeoEmulator(EmulatorServer):
    def __init__(
        self,
        *,
        polls_to_finish: int = 3,
        seconds_to_finish: float | None = None,
        gcs_url: str | None = None,
        fault_rate: float = 0.0,
    ) -> None:
        self.polls_to_finish = polls_to_finish
        self.fault_rate = fault_rate
        self.seconds_to_finish = seconds_to_finish
        self.gcs_url = gcs_url
        self.video = sample_mp4()
        self._lock = threading.Lock()
        self.reset()
        super().__init__()

    def reset(self) -> None:
        with self._lock:
            self.outcomes: deque[str] = deque()
            self.faults: dict[str, deque[tuple[int, str | None]]] = {
                "submit": deque(),
                "poll": deque(),
            }
            self.operations: dict[str, Operation] = {}
            self.submissions: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            self.generations = 0

    def script(self, *outcomes: str) -> None:
        with self._lock:
            self.outcomes.extend(outcomes)

    def fault(self, call: str, status: int, *, times: int = 1, message: str | None = None) -> None:
        with self._lock:
            self.faults[call].extend([(status, message)] * times)

    # --- behaviour ---------------------------------------------------------------------------

    def _submit(self, model_path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        instance = (body.get("instances") or [{}])[0]
        if not instance.get("prompt"):
            return 400, _error(400, "prompt is required")
        image = instance.get("image") or {}
        if image:
            base64.b64decode(image["bytesBase64Encoded"], validate=True)
        with self._lock:
            outcome = self.outcomes.popleft() if self.outcomes else "ok"
            name = f"{model_path}/operations/{uuid.uuid4()}"
            storage = (body.get("parameters") or {}).get("storageUri")
            prompt = str(instance.get("prompt"))
            self.operations[name] = Operation(name, outcome, time.monotonic(), storage, prompt)
            self.generations += 1
            self.submissions.append(body)
        return 200, {"name": name}

    def _fetch(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            operation = self.operations.get(body.get("operationName", ""))
            if operation is None:
                return 404, _error(404, "Operation not found")
            operation.polls += 1
            if self.seconds_to_finish is not None:
                done = time.monotonic() - operation.created >= self.seconds_to_finish
            else:
                done = operation.polls >= self.polls_to_finish
            if not done or operation.outcome == "never":
                return 200, {"name": operation.name}
            if not operation.result:
                operation.result = self._result(operation)
        return 200, {"name": operation.name, "done": True, **operation.result}

    def _result(self, operation: Operation) -> dict[str, Any]:
        if operation.outcome == "fail":
            return {"error": {"code": 13, "message": "Internal error while generating video."}}
        if operation.outcome == "safety":
            return {
                "response": {
                    "raiMediaFilteredCount": 1,
                    "raiMediaFilteredReasons": ["The input image violates our policies."],
                }
            }
        video: dict[str, Any] = {"mimeType": "video/mp4"}
        if operation.storage_uri and self.gcs_url:
            video["gcsUri"] = self._upload(operation)
        else:
            video["bytesBase64Encoded"] = base64.b64encode(self.video).decode()
        return {"response": {"videos": [video], "raiMediaFilteredCount": 0}}

    def _upload(self, operation: Operation) -> str:
        bucket, _, prefix = (operation.storage_uri or "").removeprefix("gs://").partition("/")
        key = f"{prefix.strip('/')}/{operation.name.rsplit('/', 1)[1]}/sample_0.mp4".lstrip("/")
        httpx.post(
            f"{self.gcs_url}/upload/storage/v1/b/{bucket}/o",
            params={"uploadType": "media", "name": key},
            content=self.video,
            headers={"Content-Type": "video/mp4"},
        ).raise_for_status()
        return f"gs://{bucket}/{key}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(QuietHandler):
            def _send(self, status: int, body: dict[str, Any]) -> None:
                self.send_body(status, body)

            def do_POST(self) -> None:
                body = json.loads(self.read_body() or b"{}")
                with emulator._lock:
                    emulator.requests.append(
                        {
                            "method": "POST",
                            "path": self.path,
                            "body": body,
                            "auth": self.headers.get("Authorization"),
                        }
                    )
                match = _ROUTE.match(self.path.split("?")[0])
                if not match:
                    self._send(404, _error(404, f"Unknown route {self.path}"))
                    return
                call = "submit" if match.group(2) == "predictLongRunning" else "poll"
                with emulator._lock:
                    fault = emulator.faults[call].popleft() if emulator.faults[call] else None
                if fault is None and random.random() < emulator.fault_rate:
                    fault = (random.choice((500, 503)), None)
                if fault:
                    self._send(fault[0], _error(fault[0], fault[1]))
                    return
                if call == "submit":
                    self._send(*emulator._submit(match.group(1), body))
                else:
                    self._send(*emulator._fetch(body))

        return Handler


def _error(status: int, message: str | None) -> dict[str, Any]:
    return {
        "error": {
            "code": status,
            "message": message or f"Emulated error {status}.",
            "status": _STATUS.get(status, "UNKNOWN"),
        }
    }
