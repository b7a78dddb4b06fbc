"""The draft renderer: real H.264 files, real progress, captions, cancel, and renders that
outlive the process that asked for them."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image, ImageChops, ImageStat

from tests.support.mp4 import probe
from tests.support.samples import jpeg, picture
from v4a_portal.providers.draft_frames import DraftFrames
from v4a_portal.providers.draft_renderer import DraftRenderer, RenderDir
from v4a_portal.providers.video_provider import (
    Caption,
    GenerationSpec,
    GenerationState,
    GenerationStatus,
    PermanentProviderError,
)
from v4a_portal.settings import ROOT

CAPTIONS = (Caption(0.0, 2.0, "Fresh every day"), Caption(2.0, 3.0, "Order yours today"))


def _spec(size: str = "720x1280", duration: int = 4, **kw: object) -> GenerationSpec:
    fields: dict[str, object] = {
        "model": "draft",
        "prompt": "Slow push-in",
        "duration": duration,
        "size": size,
        "image_bytes": jpeg((1200, 900)),
        "image_content_type": "image/jpeg",
        "captions": CAPTIONS,
    }
    fields.update(kw)
    return GenerationSpec(**fields)  # type: ignore[arg-type]


def _until_done(
    renderer: DraftRenderer, job_id: str, timeout: float = 60
) -> list[GenerationStatus]:
    deadline = time.monotonic() + timeout
    seen = [renderer.poll(job_id)]
    while not seen[-1].done:
        assert time.monotonic() < deadline, f"render still {seen[-1]} after {timeout} s"
        time.sleep(0.05)
        seen.append(renderer.poll(job_id))
    return seen


def _until(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def _frames(path: Path, *wanted: int) -> list[Image.Image]:
    """Decoded frames by index, in one pass over the file."""
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    found: dict[int, Image.Image] = {}
    for i, data in enumerate(reader):
        if i in wanted:
            found[i] = Image.frombytes("RGB", meta["size"], data)
        if len(found) == len(wanted):
            break
    reader.close()
    return [found[n] for n in wanted]


def _difference(a: Image.Image, b: Image.Image, box: tuple[int, int, int, int]) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.crop(box), b.crop(box))).mean) / 3


def test_portrait_clip_is_h264_with_real_progress_and_timed_captions(tmp_path: Path) -> None:
    renderer = DraftRenderer(tmp_path / "renders")
    job_id = renderer.submit(_spec())
    seen = _until_done(renderer, job_id)

    assert seen[-1].state is GenerationState.succeeded
    progress = [s.progress for s in seen]
    assert progress == sorted(progress) and progress[-1] == 100
    assert len({p for p in progress if 0 < p < 100}) >= 3  # moves as frames are encoded

    out = tmp_path / "clip.mp4"
    renderer.download(job_id, out)
    info = probe(out)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 720, 1280)
    assert abs(info.duration - 4) <= 0.2 and info.faststart
    assert renderer.generations == 1
    # Its first frame as the thumbnail, drawn during the render: the pipeline runs no ffmpeg.
    assert renderer.thumbnail(job_id, tmp_path / "thumb.jpg")
    with Image.open(tmp_path / "thumb.jpg") as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (480, 854))

    # The encoded frames against the same frames drawn without captions: they differ where
    # a caption is shown, while it is shown, and nowhere else.
    seed = json.loads(RenderDir(tmp_path / "renders" / job_id).spec.read_text())["seed"]
    bare = DraftFrames(
        Image.open(RenderDir(tmp_path / "renders" / job_id).photo), 720, 1280, 4, 24, (), seed
    )
    caption_box, sky = (100, 820, 620, 980), (100, 300, 620, 600)
    at_1s, at_3_5s = _frames(out, 24, 84)
    assert _difference(at_1s, bare.frame(24), caption_box) > 25
    assert _difference(at_1s, bare.frame(24), sky) < 4
    assert _difference(at_3_5s, bare.frame(84), caption_box) < 4


def test_captions_are_drawn_and_fade() -> None:
    photo = picture((800, 600))
    plain = DraftFrames(photo, 720, 1280, 4, 24, ())
    captioned = DraftFrames(photo, 720, 1280, 4, 24, CAPTIONS)
    box = (100, 820, 620, 980)
    fading_in = _difference(captioned.frame(1), plain.frame(1), box)
    shown = _difference(captioned.frame(24), plain.frame(24), box)
    assert 0 < fading_in < shown
    assert _difference(captioned.frame(90), plain.frame(90), box) == 0
    # the caption box is darker than the photo behind it, and has white text in it
    lum = ImageStat.Stat(captioned.frame(24).crop(box).convert("L"))
    assert lum.extrema[0][1] > 240


def test_the_camera_moves(tmp_path: Path) -> None:
    clip = DraftFrames(picture((800, 600)), 720, 1280, 4, 24, ())
    first, last = clip.frame(0), clip.frame(95)
    assert first.size == last.size == (720, 1280)
    assert _difference(first, last, (0, 0, 720, 1280)) > 1


def test_cancel_kills_the_render(tmp_path: Path) -> None:
    renderer = DraftRenderer(tmp_path / "renders")
    job_id = renderer.submit(_spec(duration=12))
    job = RenderDir(tmp_path / "renders" / job_id)
    _until(lambda: renderer.poll(job_id).progress > 0)
    pid = int(job.pid.read_text())

    assert renderer.cancel(job_id) is True
    assert renderer.poll(job_id).state is GenerationState.canceled
    _until(lambda: not _process_exists(pid), timeout=5)
    time.sleep(0.3)
    assert not job.video.exists()
    assert renderer.poll(job_id).state is GenerationState.canceled
    assert renderer.cancel(job_id) is False
    with pytest.raises(PermanentProviderError) as caught:
        renderer.download(job_id, tmp_path / "clip.mp4")
    assert caught.value.code == "render_canceled"


def test_render_outlives_the_process_that_submitted_it(tmp_path: Path) -> None:
    renders = tmp_path / "renders"
    spec_args = "'draft', 'p', 4, '1280x720', jpeg((800, 600)), 'image/jpeg'"
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from tests.support.samples import jpeg\n"
        "from v4a_portal.providers.draft_renderer import DraftRenderer\n"
        "from v4a_portal.providers.video_provider import GenerationSpec\n"
        f"job = DraftRenderer(Path({str(renders)!r})).submit(GenerationSpec({spec_args}))\n"
        "print(job, flush=True)\n"
        "time.sleep(60)\n"
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert worker.stdout is not None
    job_id = worker.stdout.readline().strip()
    worker.send_signal(signal.SIGKILL)  # as the OOM killer or a deploy would
    worker.wait()

    renderer = DraftRenderer(renders)  # a new worker resuming by job id
    seen = _until_done(renderer, job_id)
    assert seen[-1].state is GenerationState.succeeded
    renderer.download(job_id, tmp_path / "clip.mp4")
    info = probe(tmp_path / "clip.mp4")  # landscape, too
    assert (info.codec, info.width, info.height, info.frames) == ("h264", 1280, 720, 96)
    assert renderer.generations == 1


def test_a_pid_file_being_rewritten_is_never_read_half_written(tmp_path: Path) -> None:
    """The render rewrites its pid file as it starts while a worker polls it: a poll that
    read the file truncated took a live render for lost (`render_lost`, clip refunded)."""
    folder = RenderDir(tmp_path / "render")
    folder.path.mkdir()
    folder.record_pid(os.getpid())
    stop = threading.Event()

    def rewrite() -> None:
        while not stop.is_set():
            folder.record_pid(os.getpid())

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        reads = [DraftRenderer._pid(folder) for _ in range(20_000)]
    finally:
        stop.set()
        writer.join()
    assert set(reads) == {os.getpid()}


def test_a_render_that_dies_is_reported_lost(tmp_path: Path) -> None:
    renderer = DraftRenderer(tmp_path / "renders")
    job_id = renderer.submit(_spec(duration=12))
    job = RenderDir(tmp_path / "renders" / job_id)
    _until(lambda: renderer.poll(job_id).progress > 0)
    os.killpg(int(job.pid.read_text()), signal.SIGKILL)
    status = _until_done(renderer, job_id, timeout=10)[-1]
    assert (status.state, status.error_code) == (GenerationState.failed, "render_lost")
    assert status.error_message


def test_unreadable_photo_fails_with_a_clear_code(tmp_path: Path) -> None:
    renderer = DraftRenderer(tmp_path / "renders")
    job_id = renderer.submit(_spec(image_bytes=b"not an image"))
    status = _until_done(renderer, job_id)[-1]
    assert (status.state, status.error_code) == (GenerationState.failed, "bad_image")


def test_bad_requests_and_unknown_jobs(tmp_path: Path) -> None:
    renderer = DraftRenderer(tmp_path / "renders")
    with pytest.raises(PermanentProviderError) as caught:
        renderer.submit(_spec("1080x1920"))
    assert caught.value.code == "unsupported_request"
    assert renderer.generations == 0
    for job_id in ("0" * 32, "../../etc", ""):
        with pytest.raises(PermanentProviderError) as caught:
            renderer.poll(job_id)
        assert caught.value.code == "unknown_job"


def test_prune_keeps_the_generation_count(tmp_path: Path) -> None:
    renderer = DraftRenderer(tmp_path / "renders")
    job_id = renderer.submit(_spec(image_bytes=b"broken"))
    _until_done(renderer, job_id)
    assert renderer.prune(older_than_seconds=3600) == 0
    assert renderer.prune(older_than_seconds=0) == 1
    assert not (tmp_path / "renders" / job_id).exists()
    assert renderer.generations == 1


def _process_exists(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # reap it if it is a zombie of ours
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
