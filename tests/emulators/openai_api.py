"""A local HTTP server speaking the OpenAI chat-completions wire format, for the real SDK.

Each request takes the next scripted behaviour ("ok", "429", "500", "timeout",
"malformed", "refusal"); when the script is empty it answers "ok". Requests are kept
so tests can check what the SDK sent (model, image input, response_format).
"""

from __future__ import annotations

import json
import time
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.emulators.base import EmulatorServer, QuietHandler

GOOD_SCRIPT = {
    "hook": "Your mornings, upgraded.",
    "scenes": [
        {
            "visual": "Mug on a sunny table, slow push-in",
            "on_screen_text": "Fresh every day",
            "seconds": 3,
        },
        {
            "visual": "Steam rises as the camera orbits",
            "on_screen_text": "Brewed in 60 s",
            "seconds": 5,
        },
    ],
    "call_to_action": "Order yours today",
    "video_prompt": "Slow cinematic push-in on the mug, warm morning light, steam rising.",
}


class OpenAIEmulator(EmulatorServer):
    prefix = "/v1"

    def __init__(self) -> None:
        self.behaviours: deque[str] = deque()
        self.requests: list[dict[str, Any]] = []
        self.delay_seconds = 5.0
        super().__init__()

    def script(self, *behaviours: str) -> None:
        self.behaviours.clear()
        self.behaviours.extend(behaviours)
        self.requests.clear()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(QuietHandler):
            def _send(self, status: int, body: dict[str, Any] | str) -> None:
                self.send_body(status, body)

            def do_POST(self) -> None:
                payload = json.loads(self.read_body() or b"{}")
                emulator.requests.append(
                    {"path": self.path, "body": payload, "auth": self.headers.get("Authorization")}
                )
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "unknown route", "type": "invalid"}})
                    return
                what = emulator.behaviours.popleft() if emulator.behaviours else "ok"
                if what == "429":
                    self.send_response(429)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Type", "application/json")
                    body = json.dumps(
                        {
                            "error": {
                                "message": "Rate limit",
                                "type": "requests",
                                "code": "rate_limit_exceeded",
                            }
                        }
                    ).encode()
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                if what == "500":
                    self._send(500, {"error": {"message": "boom", "type": "server_error"}})
                    return
                if what == "timeout":
                    time.sleep(emulator.delay_seconds)
                content: str | None = json.dumps(GOOD_SCRIPT)
                refusal = None
                if what == "malformed":
                    content = "Sure! Here is your script: HOOK - buy it"
                elif what == "refusal":
                    content, refusal = None, "I can't help with that."
                self._send(
                    200,
                    {
                        "id": "chatcmpl-emu",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": payload.get("model", "gpt-4o"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "logprobs": None,
                                "message": {
                                    "role": "assistant",
                                    "content": content,
                                    "refusal": refusal,
                                },
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    },
                )

        return Handler
