"""The Sora provider through the real `openai` SDK against the local `/v1/videos` emulator."""

from __future__ import annotations

import io
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.emulators.sora import SoraEmulator
from tests.support.mp4 import probe
from tests.support.samples import jpeg
from tests.support.servers import free_port
from v4a_portal.providers.sora import SoraProvider
from v4a_portal.providers.video_provider import (
    GenerationSpec,
    GenerationState,
    GenerationStatus,
    PermanentProviderError,
    TransientProviderError,
)

SPEC = GenerationSpec(
    "sora-2", "Slow push-in on the mug", 4, "720x1280", jpeg((640, 480)), "image/jpeg"
)


@pytest.fixture(scope="module")
def server() -> Iterator[SoraEmulator]:
    emulator = SoraEmulator(polls_to_finish=4).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(server: SoraEmulator) -> SoraEmulator:
    server.reset()
    return server


def _sora(emulator: SoraEmulator, **kw: object) -> SoraProvider:
    options: dict[str, object] = {
        "api_key": "sk-test",
        "base_url": emulator.base_url,
        "timeout_seconds": 5.0,
        "max_retries": 2,
        "download_attempts": 4,
        "download_backoff_seconds": 0.01,
    }
    options.update(kw)
    return SoraProvider(**options)  # type: ignore[arg-type]


def _until_done(sora: SoraProvider, job_id: str) -> list[GenerationStatus]:
    seen = [sora.poll(job_id)]
    while not seen[-1].done:
        seen.append(sora.poll(job_id))
    return seen


def test_image_to_video_end_to_end(emulator: SoraEmulator, tmp_path: Path) -> None:
    sora = _sora(emulator)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the provider silences its own
        job_id = sora.submit(SPEC)
        seen = _until_done(sora, job_id)
        sora.download(job_id, tmp_path / "clip.mp4")

    assert [s.state for s in seen] == [
        GenerationState.queued,
        GenerationState.running,
        GenerationState.running,
        GenerationState.succeeded,
    ]
    progress = [s.progress for s in seen]
    assert progress == sorted(progress) and progress[0] < progress[1] < progress[2] < 100
    assert progress[-1] == 100
    assert probe(tmp_path / "clip.mp4").codec == "h264"
    assert not (tmp_path / "clip.mp4.part").exists()

    upload = emulator.uploads[0]
    assert upload["fields"] == {
        "prompt": SPEC.prompt,
        "model": "sora-2",
        "seconds": "4",
        "size": "720x1280",
    }
    assert upload["image_size"] == (720, 1280)  # exactly the requested size
    assert upload["content_type"] == "image/png"
    assert Image.open(io.BytesIO(upload["image"])).format == "PNG"
    assert {r["auth"] for r in emulator.requests} == {"Bearer sk-test"}
    assert emulator.generations == 1


@pytest.mark.parametrize(
    ("model", "size", "seconds"), [("sora-2", "1280x720", 8), ("sora-2-pro", "1024x1792", 12)]
)
def test_every_photo_is_fitted_to_the_requested_size(
    emulator: SoraEmulator, model: str, size: str, seconds: int
) -> None:
    spec = GenerationSpec(model, "Orbit", seconds, size, jpeg((300, 500)), "image/jpeg")
    _sora(emulator).submit(spec)
    upload = emulator.uploads[0]
    assert "x".join(map(str, upload["image_size"])) == size
    assert upload["fields"]["seconds"] == str(seconds)


def test_unsupported_combination_is_refused_before_paying(emulator: SoraEmulator) -> None:
    spec = GenerationSpec("sora-2", "x", 4, "1024x1792", jpeg(), "image/jpeg")
    with pytest.raises(PermanentProviderError) as caught:
        _sora(emulator).submit(spec)
    assert caught.value.code == "unsupported_request"
    assert emulator.requests == []


def test_download_failure_retries_the_download_only(emulator: SoraEmulator, tmp_path: Path) -> None:
    sora = _sora(emulator)
    job_id = sora.submit(SPEC)
    _until_done(sora, job_id)
    emulator.fault("content", 500, times=2)
    sora.download(job_id, tmp_path / "clip.mp4")
    assert probe(tmp_path / "clip.mp4").codec == "h264"
    downloads = [r for r in emulator.requests if r["path"].split("?")[0].endswith("/content")]
    assert len(downloads) == 3
    assert emulator.generations == 1


def test_download_failing_every_time_is_transient_without_regenerating(
    emulator: SoraEmulator, tmp_path: Path
) -> None:
    sora = _sora(emulator, download_attempts=3)
    job_id = sora.submit(SPEC)
    _until_done(sora, job_id)
    emulator.fault("content", 503, times=3)
    with pytest.raises(TransientProviderError) as caught:
        sora.download(job_id, tmp_path / "clip.mp4")
    assert caught.value.code == "download_failed"
    assert not (tmp_path / "clip.mp4").exists()
    sora.download(job_id, tmp_path / "clip.mp4")  # the pipeline's retry later succeeds
    assert emulator.generations == 1


def test_thumbnail_is_the_apis_still_in_one_try(emulator: SoraEmulator, tmp_path: Path) -> None:
    sora = _sora(emulator)
    job_id = sora.submit(SPEC)
    _until_done(sora, job_id)
    assert sora.thumbnail(job_id, tmp_path / "thumb.img")
    with Image.open(tmp_path / "thumb.img") as still:
        assert still.format == "WEBP"  # the pipeline makes it a JPEG (video_files)
    assert any("variant=thumbnail" in r["path"] for r in emulator.requests)

    emulator.fault("content", 500)  # no retry: the pipeline draws one with ffmpeg instead
    assert not sora.thumbnail(job_id, tmp_path / "again.img")
    assert not (tmp_path / "again.img").exists() and not (tmp_path / "again.img.part").exists()
    assert emulator.generations == 1


def test_failed_generation(emulator: SoraEmulator, tmp_path: Path) -> None:
    emulator.script("fail")
    sora = _sora(emulator)
    job_id = sora.submit(SPEC)
    final = _until_done(sora, job_id)[-1]
    assert (final.state, final.error_code) == (GenerationState.failed, "generation_failed")
    with pytest.raises(PermanentProviderError) as caught:
        sora.download(job_id, tmp_path / "clip.mp4")
    assert caught.value.code == "generation_failed"


def test_moderation_block_is_safety_blocked(emulator: SoraEmulator) -> None:
    emulator.script("moderation")
    sora = _sora(emulator)
    final = _until_done(sora, sora.submit(SPEC))[-1]
    assert (final.state, final.error_code) == (GenerationState.failed, "safety_blocked")
    assert final.error_message


def test_create_refused_by_moderation(emulator: SoraEmulator) -> None:
    emulator.fault("create", 400, code="moderation_blocked")
    with pytest.raises(PermanentProviderError) as caught:
        _sora(emulator).submit(SPEC)
    assert caught.value.code == "safety_blocked"


@pytest.mark.parametrize(
    ("status", "code"), [(429, "provider_busy"), (500, "provider_unavailable")]
)
def test_create_errors_are_transient_and_never_retried(
    emulator: SoraEmulator, status: int, code: str
) -> None:
    emulator.fault("create", status)
    with pytest.raises(TransientProviderError) as caught:
        _sora(emulator).submit(SPEC)
    assert caught.value.code == code
    assert len(emulator.requests) == 1 and emulator.generations == 0


def test_retrieve_errors_are_retried_by_the_sdk_then_transient(emulator: SoraEmulator) -> None:
    sora = _sora(emulator)
    job_id = sora.submit(SPEC)
    emulator.fault("retrieve", 500)
    assert sora.poll(job_id).state is GenerationState.queued
    emulator.fault("retrieve", 429, times=3)
    with pytest.raises(TransientProviderError) as caught:
        sora.poll(job_id)
    assert caught.value.code == "provider_busy"


def test_cancel_deletes_a_running_job_only(emulator: SoraEmulator) -> None:
    emulator.script("never", "ok")
    sora = _sora(emulator)
    running = sora.submit(SPEC)
    assert sora.cancel(running) is True
    assert emulator.deleted == [running]
    with pytest.raises(PermanentProviderError) as caught:
        sora.poll(running)
    assert caught.value.code == "unknown_job"
    finished = sora.submit(SPEC)
    _until_done(sora, finished)
    assert sora.cancel(finished) is False
    assert emulator.deleted == [running]


def test_unreachable_service_is_transient(emulator: SoraEmulator) -> None:
    sora = _sora(emulator, base_url=f"http://127.0.0.1:{free_port()}/v1", max_retries=0)
    with pytest.raises(TransientProviderError) as caught:
        sora.submit(SPEC)
    assert caught.value.code == "provider_unreachable"


def test_progress_by_time(tmp_path: Path) -> None:
    emulator = SoraEmulator(seconds_to_finish=0.6).start()
    try:
        sora = _sora(emulator)
        job_id = sora.submit(SPEC)
        seen = [sora.poll(job_id)]
        while not seen[-1].done:
            time.sleep(0.1)
            seen.append(sora.poll(job_id))
        assert seen[-1].state is GenerationState.succeeded
        assert len({s.progress for s in seen}) >= 3
    finally:
        emulator.stop()
