"""Product photos: accept an upload only for what its bytes are, store it clean, list, delete.

What gets stored is never the uploaded file itself: the image is fully decoded with Pillow,
turned upright by its EXIF orientation and re-encoded in its own format, which drops EXIF
(GPS), XMP, comments, text chunks and anything appended to the file (polyglots).

Duplicates: `sha256` is the hash of the bytes the client sent, not of the stored file, so
a repeat upload is recognised whatever encoder settings or Pillow version made the stored
copy (re-encoding with another version would change those bytes). It is checked after
decoding, which keeps the database transaction out of the slow part.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select
from sqlmodel import Session

from v4a_portal.models import UploadedImage
from v4a_portal.services import storage
from v4a_portal.services.errors import InvalidInput, NotFound, TooLarge, UnsupportedMedia
from v4a_portal.settings import get_settings

# Pillow format → (content type, extension, save options).
FORMATS: dict[str, tuple[str, str, dict[str, object]]] = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 90}),
    "PNG": ("image/png", "png", {}),
    "WEBP": ("image/webp", "webp", {"quality": 90}),
}
# All the metadata carried into the clean file: colour profile and PNG transparency.
_KEEP_INFO = ("icc_profile", "transparency")
_CHUNK = 1024 * 1024
# Decoding is CPU-bound and holds up to width x height x 4 bytes (160 MB at 40 megapixels).
# One thread per CPU does it for every upload: more at once would only add memory, and on the
# same few threads malloc reuses that memory instead of keeping a copy per request thread.
_DECODERS = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="decode")

Source = bytes | Path | BinaryIO


@dataclass(frozen=True)
class Saved:
    image: UploadedImage
    created: bool  # False when the same bytes were already uploaded by this user


def save_upload(
    session: Session,
    user_id: int,
    filename: str | None,
    source: Source,
    declared_type: str | None = None,
) -> Saved:
    """Validate, clean and store an uploaded photo, or raise TooLarge/UnsupportedMedia/InvalidInput.

    `declared_type` (the client's Content-Type) is never trusted; it only makes the error
    message clearer. On any failure nothing is left behind: no row, no file.
    """
    settings = get_settings()
    with _readable(source) as stream, tempfile.NamedTemporaryFile() as clean:
        sha256 = _hash_within(stream, settings.max_upload_bytes)
        stream.seek(0)
        # All the slow work before the first query: a transaction (on SQLite, the database's
        # write lock) is only open for the duplicate check, the file copy and the insert.
        fmt, width, height = _DECODERS.submit(
            _clean_copy, stream, clean, settings.max_image_megapixels, declared_type
        ).result()
        existing = session.execute(
            select(UploadedImage).where(
                UploadedImage.user_id == user_id, UploadedImage.sha256 == sha256
            )
        ).scalar()
        if existing is not None:
            return Saved(existing, created=False)
        size = clean.tell()
        clean.flush()
        content_type, extension, _ = FORMATS[fmt]
        key = storage.upload_key(
            user_id, storage.safe_filename(filename or "image", extension=extension)
        )
        store = storage.get_storage()
        store.put_file(key, Path(clean.name), content_type)
    try:
        row = UploadedImage(
            user_id=user_id,
            file_path=key,
            storage_url=store.public_url(key),
            content_type=content_type,
            width=width,
            height=height,
            size=size,
            sha256=sha256,
            original_filename=display_name(filename),
        )
        session.add(row)
        session.flush()
    except BaseException:
        store.delete(key)
        raise
    return Saved(row, created=True)


def get_owned(session: Session, user_id: int, image_id: int) -> UploadedImage:
    """The user's image; someone else's answers exactly like a missing one."""
    image = session.get(UploadedImage, image_id)
    if image is None or image.user_id != user_id:
        raise NotFound("No such image.")
    return image


def list_for(
    session: Session, user_id: int, page: int = 1, per_page: int = 20
) -> tuple[list[UploadedImage], int]:
    """One page of the user's images, newest first, and the total count."""
    mine = UploadedImage.user_id == user_id
    total = session.execute(select(func.count()).select_from(UploadedImage).where(mine)).scalar()
    rows = session.execute(
        select(UploadedImage)
        .where(mine)
        .order_by(UploadedImage.created_at.desc(), UploadedImage.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).scalars()
    return list(rows), int(total or 0)


def delete(session: Session, user_id: int, image_id: int) -> None:
    """Delete the row (scripts and videos keep existing, image_id SET NULL) and its file."""
    image = get_owned(session, user_id, image_id)
    session.delete(image)
    session.flush()
    storage.get_storage().delete(image.file_path)


def url_for(image: UploadedImage) -> str:
    """The URL to give a client now (signed when the bucket is private)."""
    return storage.get_storage().url(image.file_path)


def read_bytes(image: UploadedImage) -> bytes:
    """The stored (clean) image, for services that send it on, like the script writer."""
    return storage.get_storage().read_bytes(image.file_path)


def display_name(filename: str | None) -> str:
    """The client's file name for showing: last path part, no control characters, capped."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(
        c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] != "C"
    )
    return text.strip()[:255] or "image"


@contextmanager
def _readable(source: Source) -> Iterator[BinaryIO]:
    if isinstance(source, bytes):
        yield io.BytesIO(source)
    elif isinstance(source, Path):
        with source.open("rb") as fh:
            yield fh
    else:
        yield source


def _hash_within(stream: BinaryIO, limit: int) -> str:
    """SHA-256 (hex) of the stream, refusing it as soon as it passes `limit` bytes."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise TooLarge(
                f"The photo is larger than {limit // (1024 * 1024)} MB.", code="file_too_large"
            )
        digest.update(chunk)
    if size == 0:
        raise InvalidInput("The file is empty.", code="empty_file")
    return digest.hexdigest()


def _clean_copy(
    stream: BinaryIO, out: BinaryIO, max_megapixels: int, declared: str | None
) -> tuple[str, int, int]:
    """Decode `stream` and write its clean re-encoding to `out`: (format, width, height)."""
    image, fmt = _decode(stream, max_megapixels, declared)
    width, height = _encode(image, fmt, out)
    return fmt, width, height


def _decode(stream: BinaryIO, max_megapixels: int, declared: str | None) -> tuple[Image.Image, str]:
    """Identify from the bytes, check the size from the header, then decode every pixel."""
    try:
        image = Image.open(stream, formats=list(FORMATS))
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_megapixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        said = f" (it was sent as {declared})" if declared else ""
        raise UnsupportedMedia(
            f"This file is not a JPEG, PNG or WebP image{said}.", code="unsupported_image"
        ) from exc
    # Pillow's JPEG reader returns MPO for a JPEG with extra frames (some cameras): frame one.
    fmt = "JPEG" if image.format == "MPO" else str(image.format)
    if image.width * image.height > max_megapixels * 1_000_000:
        raise _too_many_pixels(max_megapixels)
    if fmt != "JPEG" and getattr(image, "is_animated", False):
        raise UnsupportedMedia("Animated images are not supported.", code="animated_image")
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_megapixels) from exc
    except Exception as exc:  # Pillow reports broken data with many exception types
        raise InvalidInput(
            "The image is damaged or incomplete and cannot be read.", code="corrupt_image"
        ) from exc
    return image, fmt


def _too_many_pixels(max_megapixels: int) -> TooLarge:
    return TooLarge(f"The photo has more than {max_megapixels} megapixels.", code="too_many_pixels")


def _encode(image: Image.Image, fmt: str, out: BinaryIO) -> tuple[int, int]:
    """Write the upright image without metadata; returns its (width, height)."""
    upright = ImageOps.exif_transpose(image, in_place=True) or image  # no second copy
    kept = {k: v for k, v in upright.info.items() if k in _KEEP_INFO}
    if fmt == "JPEG" and upright.mode not in ("L", "RGB"):
        upright, kept = upright.convert("RGB"), {}  # a CMYK profile no longer applies
    elif fmt == "WEBP" and upright.mode not in ("RGB", "RGBA"):
        has_alpha = "A" in upright.mode or "transparency" in upright.info
        upright, kept = upright.convert("RGBA" if has_alpha else "RGB"), {}
    # The encoders fall back to info for some metadata (e.g. JPEG comments): start empty.
    upright.info = {}
    upright.save(out, fmt, **FORMATS[fmt][2], **kept)
    return upright.size
