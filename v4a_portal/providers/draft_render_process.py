"""The detached render process: `python -m v4a_portal.providers.draft_render_process <dir>`.

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

from v4a_portal.providers.draft_frames import DraftFrames, open_photo
from v4a_portal.providers.draft_renderer import RenderDir
from v4a_portal.providers.video_provider import THUMBNAIL_WIDTH, Caption

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


def save_thumbnail(frame: Image.Image, folder: RenderDir) -> None:
    """The first frame as the clip's thumbnail, so the pipeline need not decode the video."""
    height = max(2, round(frame.height * THUMBNAIL_WIDTH / frame.width / 2) * 2)
    small = frame.convert("RGB").resize((THUMBNAIL_WIDTH, height), Image.Resampling.BILINEAR)
    temp = folder.thumbnail.with_name(f".{folder.thumbnail.name}.{os.getpid()}")
    small.save(temp, "JPEG", quality=85)
    os.replace(temp, folder.thumbnail)


def render(folder: RenderDir) -> None:
    spec = json.loads(folder.spec.read_text())
    width, height = (int(v) for v in spec["size"].split("x"))
    fps = int(spec["fps"])
    try:
        photo = open_photo(folder.photo.read_bytes())
    except (UnidentifiedImageError, OSError) as exc:
        raise RenderError("bad_image", "The photo could not be read.") from exc
    captions = tuple(Caption(float(a), float(b), str(t)) for a, b, t in spec["captions"])
    clip = DraftFrames(photo, width, height, spec["duration"], fps, captions, spec["seed"])

    def draw(n: int) -> bytes:
        frame = clip.frame(n)
        if n == 0:
            save_thumbnail(frame, folder)
        return frame.tobytes()

    with folder.log.open("ab") as log:
        encoder = subprocess.Popen(
            ffmpeg_command(width, height, fps, folder.partial), stdin=subprocess.PIPE, stderr=log
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
                    folder.write_atomic(folder.progress, str(99 * written // clip.frame_count))
        encoder.stdin.close()
    except BrokenPipeError:
        pass  # ffmpeg died; its exit code and log say why
    if encoder.wait() != 0:  # ffmpeg's own words are in render.log
        raise RenderError("render_failed", "The preview could not be encoded.")
    folder.write_atomic(folder.progress, "99")
    os.replace(folder.partial, folder.video)


def main(folder: str) -> int:
    folder = RenderDir(Path(folder))
    folder.record_pid(os.getpid())
    if folder.canceled.exists():
        return 0
    folder.write_atomic(folder.progress, "0")
    try:
        render(folder)
    except RenderError as exc:
        folder.fail(exc.code, exc.message)
        return 1
    except Exception as exc:  # anything else is still an answer the poller must see
        folder.fail("render_failed", f"The preview could not be rendered ({type(exc).__name__}).")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
