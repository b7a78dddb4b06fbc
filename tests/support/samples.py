"""Sample files for upload tests: real images, hostile files and polyglots, built in memory.

Builders are functions so a parametrized test only pays for the one it uses.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import ExifTags, Image, PngImagePlugin

MARKER = b"<script>alert(1)</script>"


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """A small image with structure (so encoders have work) and a red top-left corner."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    corner = (size[0] // 4, size[1] // 4)
    image.paste(Image.new(mode, corner, "red"), (0, 0))
    return image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    return encode(picture(size), "JPEG", **options)


def png(size: tuple[int, int] = (64, 48), mode: str = "RGB", **options: object) -> bytes:
    return encode(picture(size, mode), "PNG", **options)


def webp(size: tuple[int, int] = (64, 48), **options: object) -> bytes:
    return encode(picture(size), "WEBP", **options)


def exif_rotated_jpeg(orientation: int = 6) -> bytes:
    """A 80x40 JPEG whose EXIF says "rotate" and carries GPS coordinates."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "TestCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (13.0, 24.0, 36.0)
    return encode(picture((80, 40)), "JPEG", exif=exif.tobytes(), quality=95)


# --- decompression bombs: tiny files whose headers claim huge dimensions -------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header for width x height grey pixels, with one compressed row of zeros."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is edited to claim width x height."""
    data = bytearray(jpeg((16, 16)))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


# --- formats we refuse ------------------------------------------------------------------


def gif(frames: int = 1) -> bytes:
    images = [picture().convert("P") for _ in range(frames)]
    for i, image in enumerate(images):
        image.putpixel((i, i), 200)
    return encode(images[0], "GIF", save_all=frames > 1, append_images=images[1:], duration=50)


def apng() -> bytes:
    second = picture().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return encode(picture(), "PNG", save_all=True, append_images=[second], duration=50)


def animated_webp() -> bytes:
    second = picture().transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return encode(picture(), "WEBP", save_all=True, append_images=[second], duration=50)


def elf() -> bytes:
    return Path(sys.executable).resolve().read_bytes()[: 64 * 1024]


def pe() -> bytes:
    """The start of a Windows executable: MZ header, DOS stub, PE signature."""
    dos = bytearray(b"MZ" + b"\x90\x00" * 29 + b"\x00" * 2)
    dos += b"\x00" * (0x3C - len(dos)) + struct.pack("<I", 0x80)
    dos += b"This program cannot be run in DOS mode.\r\n$".ljust(0x80 - len(dos) + 0x3C, b"\x00")
    return bytes(dos[:0x80]) + b"PE\x00\x00" + struct.pack("<HH", 0x8664, 1) + b"\x00" * 512


def zip_file(name: str = "payload.txt", data: bytes = b"hello") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
PHP = b"<?php system($_GET['c']); ?>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- polyglots that are still valid images (accepted, and stored without the payload) --


def jpeg_plus_zip() -> bytes:
    return jpeg() + zip_file("evil.jsp", MARKER)


def png_with_html_text_chunk() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", MARKER.decode())
    return png(pnginfo=info)


def png_with_html_after_end() -> bytes:
    return png() + MARKER


def jpeg_with_html_comment() -> bytes:
    return jpeg(comment=MARKER)


def jpeg_with_html_in_exif() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = MARKER.decode()
    return jpeg(exif=exif.tobytes())


@contextmanager
def fresh_media_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Point V4A_DATA_DIR, and so the media folder, at `tmp_path`; yields the media folder."""
    from v4a_portal.settings import get_settings

    with monkeypatch.context() as patch:
        patch.setenv("V4A_DATA_DIR", str(tmp_path / "data"))
        get_settings.cache_clear()
        yield get_settings().media_dir
    get_settings.cache_clear()


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def photos_under(root: Path) -> list[Path]:
    """The stored photos without their thumbnails (`*.thumb.jpg` beside each)."""
    return [p for p in files_under(root) if not p.name.endswith(".thumb.jpg")]
