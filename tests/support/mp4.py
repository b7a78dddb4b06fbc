"""MP4 helpers for tests: read what ffprobe would tell (through imageio-ffmpeg's ffmpeg), and
a tiny real clip for the provider emulators to serve."""

from __future__ import annotations

import struct
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import imageio_ffmpeg


@dataclass(frozen=True)
class Probe:
    codec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    duration: float  # from the decoded frames, not only the header
    frames: int
    faststart: bool  # the index (moov) comes before the media data (mdat)


def top_level_boxes(path: Path) -> list[str]:
    boxes: list[str] = []
    with path.open("rb") as f:
        while header := f.read(8):
            size, kind = struct.unpack(">I4s", header)
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0] - 8
            boxes.append(kind.decode("latin-1"))
            if size < 8:
                break
            f.seek(size - 8, 1)
    return boxes


def probe(path: Path) -> Probe:
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    reader.close()
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(path))
    boxes = top_level_boxes(path)
    return Probe(
        codec=meta["codec"],
        pix_fmt=meta["pix_fmt"].split("(")[0],
        width=meta["size"][0],
        height=meta["size"][1],
        fps=meta["fps"],
        duration=seconds,
        frames=frames,
        faststart="moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat"),
    )


@lru_cache
def sample_mp4() -> bytes:
    """One second of ffmpeg's test pattern, 160x90 H.264: small, real, made once."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "sample.mp4"
        subprocess.run(
            [
                imageio_ffmpeg.get_ffmpeg_exe(),
                "-v",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=160x90:rate=24:duration=1",
                "-pix_fmt",
                "yuv420p",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-movflags",
                "+faststart",
                str(out),
            ],
            check=True,
        )
        return out.read_bytes()
