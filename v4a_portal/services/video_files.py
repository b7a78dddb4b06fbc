"""Reading finished MP4s with the ffmpeg binary that imageio-ffmpeg ships: what is in the file
(codec, size, duration) and a JPEG thumbnail of its first frame, in one ffmpeg run."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg

THUMBNAIL_WIDTH = 480
_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)[^\n]*")
_SIZE = re.compile(r", (\d{2,5})x(\d{2,5})\b")
_PIXEL_FORMAT = re.compile(r"Video: \w+(?: \([^)]*\))*, (\w+)")


class UnreadableVideo(Exception):
    """ffmpeg could not read a video stream from the file."""


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    duration: float  # seconds
    pixel_format: str | None

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def parse_info(ffmpeg_stderr: str) -> VideoInfo:
    video = _VIDEO.search(ffmpeg_stderr)
    size = _SIZE.search(video.group(0)) if video else None
    duration = _DURATION.search(ffmpeg_stderr)
    if not (video and size and duration):
        raise UnreadableVideo("no video stream")
    hours, minutes, seconds = duration.groups()
    pixel_format = _PIXEL_FORMAT.search(video.group(0))
    return VideoInfo(
        codec=video.group(1),
        width=int(size.group(1)),
        height=int(size.group(2)),
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        pixel_format=pixel_format.group(1) if pixel_format else None,
    )


def probe(path: Path) -> VideoInfo:
    """What is in the file (ffmpeg with no output reads only the headers)."""
    run = _ffmpeg("-i", str(path))
    return parse_info(run.stderr)


def thumbnail(path: Path, out: Path, width: int = THUMBNAIL_WIDTH) -> VideoInfo:
    """Write the first frame as a JPEG at most `width` wide; returns what is in the file."""
    run = _ffmpeg(
        "-threads", "1", "-i", str(path), "-frames:v", "1", "-update", "1",
        "-vf", f"scale='min({width},iw)':-2", "-q:v", "4", "-y", str(out),
    )  # fmt: skip
    info = parse_info(run.stderr)
    if run.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        raise UnreadableVideo(run.stderr.strip().splitlines()[-1] if run.stderr else "no frame")
    return info


def _ffmpeg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
