"""The detached render process: `python -m v4a_portal.providers.draft_render_job <job folder>`.

Draws the frames with Pillow (a few threads: resizing releases the GIL) and pipes them into
the ffmpeg binary that imageio-ffmpeg ships, writing progress as frames are encoded. The
folder's files are described in draft_renderer.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, UnidentifiedImageError

from v4a_portal.providers.draft_frames import Clip, open_photo
from v4a_portal.providers.draft_renderer import JobDir
from v4a_portal.providers.video_provider import Caption
from v4a_portal.services import video_files

# Speed over size: a draft is a preview, and must render faster than it plays.
PRESET = "superfast"
CRF = "23"
_PROGRESS_EVERY = 6  # frames


class RenderError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def ffmpeg_command(width: int, height: int, fps: int, output: Path) -> list[str]:
    return [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-y",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "-",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        PRESET,
        "-crf",
        CRF,
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(output),
    ]


def save_thumbnail(frame: Image.Image, job: JobDir) -> None:
    """The first frame as the clip's thumbnail, so the pipeline need not decode the video."""
    height = max(2, round(frame.height * video_files.THUMBNAIL_WIDTH / frame.width / 2) * 2)
    small = frame.convert("RGB").resize(
        (video_files.THUMBNAIL_WIDTH, height), Image.Resampling.BILINEAR
    )
    temp = job.thumbnail.with_name(f".{job.thumbnail.name}.{os.getpid()}")
    small.save(temp, "JPEG", quality=85)
    os.replace(temp, job.thumbnail)


def render(job: JobDir) -> None:
    spec = json.loads(job.spec.read_text())
    width, height = (int(v) for v in spec["size"].split("x"))
    fps = int(spec["fps"])
    try:
        photo = open_photo(job.photo.read_bytes())
    except (UnidentifiedImageError, OSError) as exc:
        raise RenderError("bad_image", "The photo could not be read.") from exc
    captions = tuple(Caption(float(a), float(b), str(t)) for a, b, t in spec["captions"])
    clip = Clip(photo, width, height, spec["duration"], fps, captions, spec["seed"])

    def draw(n: int) -> bytes:
        frame = clip.frame(n)
        if n == 0:
            save_thumbnail(frame, job)
        return frame.tobytes()

    with job.log.open("ab") as log:
        encoder = subprocess.Popen(
            ffmpeg_command(width, height, fps, job.partial), stdin=subprocess.PIPE, stderr=log
        )
    assert encoder.stdin is not None
    workers = max(1, min(4, os.cpu_count() or 1))
    try:
        with ThreadPoolExecutor(workers) as pool:
            ahead: deque[Future[bytes]] = deque()
            upcoming = iter(range(clip.frame_count))
            for n in upcoming:  # keep a few frames in flight, in order
                ahead.append(pool.submit(draw, n))
                if len(ahead) >= 2 * workers:
                    break
            written = 0
            while ahead:
                encoder.stdin.write(ahead.popleft().result())
                if (n := next(upcoming, None)) is not None:
                    ahead.append(pool.submit(draw, n))
                written += 1
                if written % _PROGRESS_EVERY == 0:
                    job.write_atomic(job.progress, str(99 * written // clip.frame_count))
        encoder.stdin.close()
    except BrokenPipeError:
        pass  # ffmpeg died; its exit code and log say why
    if encoder.wait() != 0:  # ffmpeg's own words are in render.log
        raise RenderError("render_failed", "The preview could not be encoded.")
    job.write_atomic(job.progress, "99")
    os.replace(job.partial, job.video)


def main(folder: str) -> int:
    job = JobDir(Path(folder))
    job.pid.write_text(str(os.getpid()))
    if job.canceled.exists():
        return 0
    job.write_atomic(job.progress, "0")
    try:
        render(job)
    except RenderError as exc:
        job.fail(exc.code, exc.message)
        return 1
    except Exception as exc:  # anything else is still an answer the poller must see
        job.fail("render_failed", f"The preview could not be rendered ({type(exc).__name__}).")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
