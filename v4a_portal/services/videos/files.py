"""Reading finished MP4s with the ffmpeg binary that imageio-ffmpeg ships: what is in the file
(codec, size, duration) and a JPEG thumbnail of its first frame, in one ffmpeg run. When the
provider hands back its own thumbnail, `inspect` checks the MP4 from its index in Python
instead (no subprocess) and `fit_thumbnail` makes the picture a JPEG of the stored width."""

from __future__ import annotations

import os
import re
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import imageio_ffmpeg

from v4a_portal.providers.video_provider import THUMBNAIL_WIDTH

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


# --- without ffmpeg: the MP4's own index, read in Python -------------------------------------

_CODECS = {b"avc1": "h264", b"avc3": "h264", b"hvc1": "hevc", b"hev1": "hevc", b"av01": "av1",
           b"vp09": "vp9", b"mp4v": "mpeg4"}  # fmt: skip
_MAX_MOOV = 64 << 20


def inspect(path: Path) -> VideoInfo:
    """What is in an MP4, from its boxes alone (a millisecond, no subprocess): the top-level
    boxes must tile the whole file (a truncated download does not), the index (moov) must
    describe a video track with samples, and every chunk of it must lie inside the file.
    UnreadableVideo otherwise. It does not decode a frame: `thumbnail` does."""
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            top = dict(_boxes(f, 0, size, whole=True))
            if b"moov" not in top or b"mdat" not in top:
                raise UnreadableVideo("not an MP4 (no moov or mdat box)")
            start, end = top[b"moov"]
            if end - start > _MAX_MOOV:
                raise UnreadableVideo("MP4 index too large")
            f.seek(start)
            moov = f.read(end - start)
    except OSError as exc:
        raise UnreadableVideo(str(exc)) from exc
    return _parse_moov(moov, size)


def _boxes(
    f: BinaryIO, start: int, end: int, *, whole: bool
) -> Iterator[tuple[bytes, tuple[int, int]]]:
    """(type, (payload start, payload end)) of the boxes in a file range; with `whole`, the
    boxes must end exactly at `end`."""
    at = start
    while at + 8 <= end:
        f.seek(at)
        size, kind = struct.unpack(">I4s", f.read(8))
        header = 8
        if size == 1:
            size = struct.unpack(">Q", f.read(8))[0]
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise UnreadableVideo(f"truncated MP4 ({kind!r} box runs past the end)")
        yield kind, (at + header, at + size)
        at += size
    if whole and at != end:
        raise UnreadableVideo("truncated MP4 (trailing bytes)")


def _children(
    data: bytes, start: int = 0, end: int | None = None
) -> dict[bytes, list[tuple[int, int]]]:
    found: dict[bytes, list[tuple[int, int]]] = {}
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, at + 8)
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise UnreadableVideo(f"corrupt MP4 index ({kind!r} box)")
        found.setdefault(kind, []).append((at + header, at + size))
        at += size
    return found


def _one(
    data: bytes, boxes: dict[bytes, list[tuple[int, int]]], kind: bytes
) -> dict[bytes, list[tuple[int, int]]]:
    if kind not in boxes:
        raise UnreadableVideo(f"MP4 index without {kind.decode()}")
    return _children(data, *boxes[kind][0])


def _parse_moov(moov: bytes, file_size: int) -> VideoInfo:
    try:
        top = _children(moov)
        if b"mvhd" not in top:
            raise UnreadableVideo("MP4 index without mvhd")
        at, _ = top[b"mvhd"][0]
        if moov[at] == 1:
            timescale, duration = struct.unpack_from(">IQ", moov, at + 20)
        else:
            timescale, duration = struct.unpack_from(">II", moov, at + 12)
        for trak in top.get(b"trak", []):
            info = _video_track(moov, _children(moov, *trak), file_size, b"mvex" in top)
            if info is not None:
                codec, width, height = info
                if not timescale:
                    raise UnreadableVideo("MP4 without a timescale")
                return VideoInfo(codec, width, height, duration / timescale, None)
    except struct.error as exc:
        raise UnreadableVideo(f"corrupt MP4 index ({exc})") from exc
    raise UnreadableVideo("no video stream")


def _video_track(
    moov: bytes, trak: dict[bytes, list[tuple[int, int]]], file_size: int, fragmented: bool
) -> tuple[str, int, int] | None:
    """(codec, width, height) of a video track; None for another kind of track. A
    fragmented MP4 (mvex) indexes its samples in its fragments, not here."""
    mdia = _one(moov, trak, b"mdia")
    at, _ = mdia[b"hdlr"][0] if b"hdlr" in mdia else (0, 0)
    if not at or moov[at + 8 : at + 12] != b"vide":
        return None
    _, end = trak[b"tkhd"][0] if b"tkhd" in trak else (0, 0)
    if not end:
        raise UnreadableVideo("MP4 track without tkhd")
    width, height = (v >> 16 for v in struct.unpack_from(">II", moov, end - 8))
    stbl = _one(moov, _one(moov, mdia, b"minf"), b"stbl")
    at, _ = stbl[b"stsd"][0] if b"stsd" in stbl else (0, 0)
    if not at:
        raise UnreadableVideo("MP4 track without stsd")
    codec = _CODECS.get(moov[at + 12 : at + 16], moov[at + 12 : at + 16].decode("latin-1"))
    if width <= 0 or height <= 0:
        raise UnreadableVideo("MP4 video track without a size")
    if fragmented:
        return codec, width, height
    at, _ = stbl[b"stsz"][0] if b"stsz" in stbl else (0, 0)
    if not at or struct.unpack_from(">I", moov, at + 8)[0] == 0:
        raise UnreadableVideo("MP4 video track without samples")
    if b"co64" in stbl:
        at, end = stbl[b"co64"][0]
        (count,) = struct.unpack_from(">I", moov, at + 4)
        offsets = struct.unpack_from(f">{count}Q", moov, at + 8)
    elif b"stco" in stbl:
        at, end = stbl[b"stco"][0]
        (count,) = struct.unpack_from(">I", moov, at + 4)
        offsets = struct.unpack_from(f">{count}I", moov, at + 8)
    else:
        raise UnreadableVideo("MP4 video track without chunk offsets")
    if not offsets or max(offsets) >= file_size:
        raise UnreadableVideo("MP4 video data missing (truncated download)")
    return codec, width, height


def fit_thumbnail(path: Path, width: int = THUMBNAIL_WIDTH) -> bool:
    """Make a provider's thumbnail what the pipeline stores: a JPEG at most `width` wide
    (rewritten in place when it is another format or larger). False when it is not a
    readable image: the caller then draws one from the video."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:  # reads the header only
            if image.format == "JPEG" and image.width <= width and image.mode in ("RGB", "L"):
                return True  # already what we store: not decoded (a browser shows it as is)
            fitted = image.convert("RGB")  # decodes it: a broken file fails here
        if fitted.width > width:
            height = max(2, round(fitted.height * width / fitted.width / 2) * 2)
            fitted = fitted.resize((width, height), Image.Resampling.BILINEAR)
        fitted.save(path, "JPEG", quality=85)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return False
    return True
