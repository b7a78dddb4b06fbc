"""Storage keys: the seed's layout (`uploads/...`, `videos/...`), thumbnails beside their
files, safe names, and key checks.

Every key holds a random UUID, so a key names one immutable file forever; that is what lets
the media route and the bucket tell browsers to cache for a year.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import UTC, datetime
from pathlib import PurePosixPath

MAX_KEY_LENGTH = 500  # uploaded_images.file_path / videos.file_path
MAX_NAME_LENGTH = 100
# A segment starts with a letter or digit: no "..", no hidden or temporary files.
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
}


class InvalidKey(ValueError):
    """A key that could escape the storage root or is not in the layout's alphabet."""


def validate(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey("empty or too long")
    if not all(_SEGMENT.fullmatch(part) for part in key.split("/")):
        raise InvalidKey(f"unsafe key {key!r}")
    return key


def safe_filename(name: str, *, extension: str | None = None) -> str:
    """The last path component of `name` in [A-Za-z0-9._-], capped; `extension` replaces its own."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    # NFKD splits accents off their letters so "café" becomes "cafe", not "caf_".
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, ext = ascii_name.rpartition(".")
    if not dot:
        stem, ext = ascii_name, ""
    ext = _UNSAFE.sub("", extension.lstrip(".") if extension is not None else ext)[:10]
    stem = _UNSAFE.sub("_", stem).strip("._-")[: MAX_NAME_LENGTH - len(ext) - 1]
    stem = stem.rstrip("._-") or "file"
    return f"{stem}.{ext}" if ext else stem


def upload_key(user_id: int, filename: str) -> str:
    """`uploads/{user_id}/{uuid}_{filename}`: where an uploaded photo lives."""
    return validate(f"uploads/{user_id}/{uuid.uuid4()}_{safe_filename(filename)}")


def video_key(user_id: int, at: datetime | None = None) -> str:
    """`videos/{user_id}/{uuid}_{timestamp}.mp4`: where a generated video lives."""
    stamp = int((at or datetime.now(UTC)).timestamp())
    return validate(f"videos/{user_id}/{uuid.uuid4()}_{stamp}.mp4")


def thumbnail_key(video: str) -> str:
    """A video's thumbnail sits beside it with the same name and `.jpg`."""
    return validate(str(PurePosixPath(video).with_suffix(".jpg")))


def photo_thumbnail_key(photo: str) -> str:
    """A photo's thumbnail sits beside it as `{name}.thumb.jpg`: `.jpg` alone would name a
    JPEG photo itself."""
    return validate(str(PurePosixPath(photo).with_suffix(".thumb.jpg")))


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(key).suffix.lower(), "application/octet-stream")
