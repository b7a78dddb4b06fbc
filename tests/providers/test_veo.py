"""The Veo provider through the real `google-genai` SDK against the local Vertex emulator."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.emulators.veo import VeoEmulator
from tests.support.mp4 import probe
from tests.support.samples import jpeg
from tests.support.servers import free_port
from v4a_portal.providers.veo import VeoProvider, estimate_progress
from v4a_portal.providers.video_provider import (
    GenerationSpec,
    GenerationState,
    GenerationStatus,
    PermanentProviderError,
    TransientProviderError,
)

SPEC = GenerationSpec(
    "veo-3.1-fast-generate-001",
    "Slow push-in on the mug",
    4,
    "720x1280",
    jpeg((640, 480)),
    "image/jpeg",
)


@pytest.fixture(scope="module")
def server() -> Iterator[VeoEmulator]:
    emulator = VeoEmulator(polls_to_finish=3).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(server: VeoEmulator) -> VeoEmulator:
    server.reset()
    server.polls_to_finish = 3
    return server


def _veo(emulator: VeoEmulator, **kw: object) -> VeoProvider:
    options: dict[str, object] = {
        "project": "test-project",
        "location": "us-central1",
        "access_token": "test-token",
        "base_url": emulator.base_url,
        "timeout_seconds": 5.0,
        "typical_seconds": 1.0,
        "poll_retry_seconds": 0.01,
    }
    options.update(kw)
    return VeoProvider(**options)  # type: ignore[arg-type]


def _until_done(veo: VeoProvider, job_id: str) -> list[GenerationStatus]:
    seen = [veo.poll(job_id)]
    while not seen[-1].done:
        time.sleep(0.02)
        seen.append(veo.poll(job_id))
    return seen


def test_image_to_video_end_to_end(emulator: VeoEmulator, tmp_path: Path) -> None:
    veo = _veo(emulator)
    job_id = veo.submit(SPEC)
    name, _, stamp = job_id.rpartition("|")
    assert "/models/veo-3.1-fast-generate-001/operations/" in name
    assert abs(float(stamp) - time.time()) < 5

    seen = _until_done(veo, job_id)
    assert [s.state for s in seen] == [
        GenerationState.running,
        GenerationState.running,
        GenerationState.succeeded,
    ]
    progress = [s.progress for s in seen]
    assert progress == sorted(progress) and progress[-1] == 100

    veo.download(job_id, tmp_path / "clip.mp4")
    assert probe(tmp_path / "clip.mp4").codec == "h264"
    assert emulator.generations == 1

    sent = emulator.submissions[0]
    assert sent["parameters"] == {
        "sampleCount": 1,
        "durationSeconds": 4,
        "aspectRatio": "9:16",
        "resolution": "720p",
        "generateAudio": True,
    }
    instance = sent["instances"][0]
    assert instance["prompt"] == SPEC.prompt
    image = Image.open(io.BytesIO(base64.b64decode(instance["image"]["bytesBase64Encoded"])))
    assert (image.format, image.size) == ("PNG", (720, 1280))  # fitted to the frame
    assert {r["auth"] for r in emulator.requests} == {"Bearer test-token"}


def test_landscape_1080p(emulator: VeoEmulator) -> None:
    spec = GenerationSpec("veo-3.1-generate-001", "Orbit", 8, "1920x1080", jpeg(), "image/jpeg")
    _veo(emulator).submit(spec)
    params = emulator.submissions[0]["parameters"]
    assert (params["aspectRatio"], params["resolution"], params["durationSeconds"]) == (
        "16:9",
        "1080p",
        8,
    )


def test_another_process_resumes_by_job_id(emulator: VeoEmulator, tmp_path: Path) -> None:
    job_id = _veo(emulator).submit(SPEC)
    fresh = _veo(emulator)  # as a retried job in a new worker would
    assert _until_done(fresh, job_id)[-1].state is GenerationState.succeeded
    fresh.download(job_id, tmp_path / "clip.mp4")
    assert emulator.generations == 1


def test_progress_is_estimated_from_elapsed_time(emulator: VeoEmulator) -> None:
    emulator.script("never")
    veo = _veo(emulator, typical_seconds=0.5)
    job_id = veo.submit(SPEC)
    first = veo.poll(job_id).progress
    time.sleep(0.3)
    second = veo.poll(job_id).progress
    time.sleep(0.4)
    third = veo.poll(job_id)
    assert 0 < first < second < third.progress < 100
    assert third.state is GenerationState.running
    curve = [estimate_progress(t, 60) for t in range(0, 600, 5)]
    assert curve == sorted(curve) and curve[0] >= 1 and 95 <= curve[-1] <= 99


def test_failed_generation(emulator: VeoEmulator, tmp_path: Path) -> None:
    emulator.script("fail")
    veo = _veo(emulator)
    job_id = veo.submit(SPEC)
    final = _until_done(veo, job_id)[-1]
    assert (final.state, final.error_code) == (GenerationState.failed, "generation_failed")
    with pytest.raises(PermanentProviderError) as caught:
        veo.download(job_id, tmp_path / "clip.mp4")
    assert caught.value.code == "generation_failed"


def test_safety_filtered_result_is_a_clear_permanent_failure(
    emulator: VeoEmulator, tmp_path: Path
) -> None:
    emulator.script("safety")
    veo = _veo(emulator)
    job_id = veo.submit(SPEC)
    final = _until_done(veo, job_id)[-1]
    assert (final.state, final.error_code) == (GenerationState.failed, "safety_blocked")
    assert "safety" in (final.error_message or "")
    with pytest.raises(PermanentProviderError) as caught:
        veo.download(job_id, tmp_path / "clip.mp4")
    assert caught.value.code == "safety_blocked"


def test_submit_refused_by_safety_rules(emulator: VeoEmulator) -> None:
    emulator.fault(
        "submit",
        400,
        message="The prompt could not be submitted: it violates Vertex AI's usage guidelines.",
    )
    with pytest.raises(PermanentProviderError) as caught:
        _veo(emulator).submit(SPEC)
    assert caught.value.code == "safety_blocked"
    assert emulator.generations == 0


@pytest.mark.parametrize(
    ("status", "code"),
    [(429, "provider_busy"), (500, "provider_unavailable"), (503, "provider_unavailable")],
)
def test_submit_rate_limit_and_server_errors_are_transient_and_not_retried(
    emulator: VeoEmulator, status: int, code: str
) -> None:
    emulator.fault("submit", status)
    with pytest.raises(TransientProviderError) as caught:
        _veo(emulator).submit(SPEC)
    assert caught.value.code == code
    assert emulator.generations == 0
    assert len(emulator.requests) == 1  # a paid call is never retried behind our back


def test_poll_errors_are_retried_by_the_sdk_then_transient(emulator: VeoEmulator) -> None:
    veo = _veo(emulator)
    job_id = veo.submit(SPEC)
    emulator.fault("poll", 503)
    assert veo.poll(job_id).state is GenerationState.running  # one retry hid it
    emulator.fault("poll", 429, times=3)
    with pytest.raises(TransientProviderError):
        veo.poll(job_id)


def test_unknown_jobs(emulator: VeoEmulator) -> None:
    veo = _veo(emulator)
    with pytest.raises(PermanentProviderError) as caught:
        veo.poll("not-an-operation")
    assert caught.value.code == "unknown_job"
    gone = "projects/p/locations/l/publishers/google/models/m/operations/x|1"
    with pytest.raises(PermanentProviderError) as caught:
        veo.poll(gone)
    assert caught.value.code == "unknown_job"


def test_unreachable_service_is_transient(emulator: VeoEmulator) -> None:
    veo = _veo(emulator, base_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransientProviderError) as caught:
        veo.submit(SPEC)
    assert caught.value.code == "provider_unreachable"


def test_cancel_is_unsupported(emulator: VeoEmulator) -> None:
    veo = _veo(emulator)
    assert veo.cancel(veo.submit(SPEC)) is False


def test_video_written_to_a_bucket_is_streamed_from_gcs(
    server: VeoEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.emulators.gcs import shared_emulator

    gcs = shared_emulator()
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs.url)
    emulator = VeoEmulator(polls_to_finish=1, gcs_url=gcs.url).start()
    try:
        veo = _veo(emulator, output_gcs_uri=f"gs://{gcs.bucket}/veo")
        job_id = veo.submit(SPEC)
        assert emulator.submissions[0]["parameters"]["storageUri"] == f"gs://{gcs.bucket}/veo"
        assert veo.poll(job_id).state is GenerationState.succeeded
        veo.download(job_id, tmp_path / "clip.mp4")
        assert probe(tmp_path / "clip.mp4").codec == "h264"
    finally:
        emulator.stop()


def test_missing_credentials_are_a_configuration_error(
    emulator: VeoEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(PermanentProviderError) as caught:
        _veo(emulator, access_token="").submit(SPEC)
    assert caught.value.code == "provider_auth"
    assert emulator.generations == 0
