"""The in-Python MP4 check the pipeline runs when a provider hands back its own thumbnail
(instead of ffmpeg), and the fitting of that thumbnail."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image

from tests.support.mp4 import sample_mp4
from v4a_portal.services.videos import files as video_files


def _file(tmp_path: Path, data: bytes, name: str = "clip.mp4") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_reads_codec_size_and_duration_from_the_index(tmp_path: Path) -> None:
    path = _file(tmp_path, sample_mp4())
    info = video_files.inspect(path)
    assert (info.codec, info.size) == ("h264", "160x90")
    assert abs(info.duration - 1) < 0.05
    ffmpeg = video_files.probe(path)  # agrees with ffmpeg
    assert (ffmpeg.codec, ffmpeg.size) == (info.codec, info.size)
    assert abs(ffmpeg.duration - info.duration) < 0.05


@pytest.mark.parametrize(
    "data",
    [
        sample_mp4()[: len(sample_mp4()) // 2],  # a download cut off mid-body
        sample_mp4()[:-1],
        sample_mp4() + b"\0\0",  # trailing junk
        b"<html>Service unavailable</html>" * 10,  # an error page saved as the clip
        b"",
    ],
    ids=["half", "one-byte-short", "trailing-bytes", "html", "empty"],
)
def test_a_broken_download_is_unreadable(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(video_files.UnreadableVideo):
        video_files.inspect(_file(tmp_path, data))


def test_a_file_without_a_video_track_is_unreadable(tmp_path: Path) -> None:
    data = bytearray(sample_mp4())
    at = data.index(b"vide")  # the handler type of the only track
    data[at : at + 4] = b"soun"
    with pytest.raises(video_files.UnreadableVideo, match="no video stream"):
        video_files.inspect(_file(tmp_path, bytes(data)))


def test_fit_thumbnail_makes_a_jpeg_at_most_480_wide(tmp_path: Path) -> None:
    big = tmp_path / "big.img"
    Image.new("RGBA", (720, 1280), (200, 10, 10, 255)).save(big, "WEBP")
    assert video_files.fit_thumbnail(big)
    with Image.open(big) as jpeg:
        assert (jpeg.format, jpeg.size) == ("JPEG", (480, 854))

    small = tmp_path / "small.jpg"
    Image.new("RGB", (160, 90)).save(small, "JPEG")
    before = small.read_bytes()
    assert video_files.fit_thumbnail(small) and small.read_bytes() == before  # kept as is

    assert not video_files.fit_thumbnail(_file(tmp_path, b"not an image", "junk.jpg"))


def test_a_fragmented_mp4_is_readable(tmp_path: Path) -> None:
    plain, fragmented = _file(tmp_path, sample_mp4()), tmp_path / "fragmented.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(plain), "-c", "copy",
         "-movflags", "frag_keyframe+empty_moov", str(fragmented)],
        check=True,
    )  # fmt: skip
    assert video_files.inspect(fragmented).size == "160x90"
