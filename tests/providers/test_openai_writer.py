"""The OpenAI writer through the real `openai` SDK against the local chat emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulators.openai_api import GOOD_SCRIPT, OpenAIEmulator
from tests.support.samples import jpeg
from v4a_portal.providers.openai_writer import OpenAIWriter
from v4a_portal.providers.script_writer import Brief, WriterError


@pytest.fixture(scope="module")
def emulator() -> Iterator[OpenAIEmulator]:
    server = OpenAIEmulator().start()
    yield server
    server.stop()


def _writer(emulator: OpenAIEmulator, **kw: object) -> OpenAIWriter:
    options = {
        "api_key": "sk-test",
        "model": "gpt-4o",
        "base_url": emulator.base_url,
        "timeout": 5.0,
        "max_retries": 2,
    }
    options.update(kw)
    return OpenAIWriter(**options)  # type: ignore[arg-type]


BRIEF = Brief("Mug", "coffee lovers", "calm", "en", 8, jpeg(), "image/jpeg")


def test_success_sends_photo_and_schema(emulator: OpenAIEmulator) -> None:
    emulator.script("ok")
    script = _writer(emulator).write(BRIEF)
    assert script.hook == GOOD_SCRIPT["hook"]
    assert len(script.scenes) == 2
    sent = emulator.requests[0]
    assert sent["auth"] == "Bearer sk-test"
    body = sent["body"]
    assert body["model"] == "gpt-4o"
    assert body["response_format"]["type"] == "json_schema"
    parts = body["messages"][1]["content"]
    assert parts[1]["image_url"]["url"].startswith("data:image/jpeg;base64,")


def test_rate_limit_then_success_is_retried_by_the_sdk(emulator: OpenAIEmulator) -> None:
    emulator.script("429", "ok")
    assert _writer(emulator).write(BRIEF).call_to_action == GOOD_SCRIPT["call_to_action"]
    assert len(emulator.requests) == 2


@pytest.mark.parametrize(
    ("behaviours", "code"),
    [
        (("500", "500", "500"), "writer_failed"),
        (("429", "429", "429"), "writer_rate_limited"),
        (("malformed",), "writer_bad_output"),
        (("refusal",), "writer_refused"),
    ],
)
def test_failures_become_writer_errors(
    emulator: OpenAIEmulator, behaviours: tuple[str, ...], code: str
) -> None:
    emulator.script(*behaviours)
    with pytest.raises(WriterError) as caught:
        _writer(emulator).write(BRIEF)
    assert caught.value.code == code
    assert caught.value.message


def test_timeout(emulator: OpenAIEmulator) -> None:
    emulator.script("timeout")
    emulator.delay_seconds = 2.0
    with pytest.raises(WriterError) as caught:
        _writer(emulator, timeout=0.5, max_retries=0).write(BRIEF)
    assert caught.value.code == "writer_timeout"
