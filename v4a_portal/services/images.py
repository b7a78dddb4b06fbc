"""Product photos: accept an upload only for what its bytes are, store it clean, list, delete.

What gets stored is never the uploaded file itself: the image is fully decoded with Pillow,
turned upright by its EXIF orientation and re-encoded in its own format, which drops EXIF
(GPS), XMP, comments, text chunks and anything appended to the file (polyglots).

Beside each photo goes a small JPEG thumbnail (longest side THUMBNAIL_SIZE) made from the
same decoded pixels, for grids; photos stored before thumbnails existed show the photo until
`backfill_thumbnails` (`python -m v4a_portal images thumbnails`) makes theirs.

Duplicates: `sha256` is the hash of the bytes the client sent, not of the stored file, so
a repeat upload is recognised whatever encoder settings or Pillow version made the stored
copy (re-encoding with another version would change those bytes). It is checked after
decoding, which keeps the database transaction out of the slow part. (user_id, sha256) is
unique, so of two uploads of the same bytes at once only one inserts; the other removes the
files it stored and returns the winner's row.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import CursorResult, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from v4a_portal.models import UploadedImage
from v4a_portal.services import ownership, storage
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
# Longest side of a thumbnail: the largest grid cell (the Library's, 144 CSS px) stays sharp
# on a 2x screen.
THUMBNAIL_SIZE = 320
_THUMBNAIL_QUALITY = 85
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
    with (
        _readable(source) as stream,
        tempfile.NamedTemporaryFile() as clean,
        tempfile.NamedTemporaryFile() as thumbnail,
    ):
        sha256 = _hash_within(stream, settings.max_upload_bytes)
        stream.seek(0)
        # All the slow work before the first query: a transaction (on SQLite, the database's
        # write lock) is only open for the duplicate check, the file copies and the insert.
        fmt, width, height = _DECODERS.submit(
            _clean_copy, stream, clean, thumbnail, settings.max_image_megapixels, declared_type
        ).result()
        if (existing := _uploaded(session, user_id, sha256)) is not None:
            return Saved(existing, created=False)
        content_type, extension, _ = FORMATS[fmt]
        key = storage.upload_key(
            user_id, storage.safe_filename(filename or "image", extension=extension)
        )
        thumbnail_key = storage.photo_thumbnail_key(key)
        row = UploadedImage(
            user_id=user_id,
            file_path=key,
            storage_url=storage.get_storage().public_url(key),
            thumbnail_path=thumbnail_key,
            content_type=content_type,
            width=width,
            height=height,
            size=clean.tell(),
            sha256=sha256,
            original_filename=display_name(filename),
        )
        files: list[tuple[str, IO[bytes], str]] = [
            (key, clean, content_type),
            (thumbnail_key, thumbnail, "image/jpeg"),
        ]
        return _store_and_insert(session, row, files)


def _uploaded(session: Session, user_id: int, sha256: str) -> UploadedImage | None:
    return session.execute(
        select(UploadedImage).where(
            col(UploadedImage.user_id) == user_id, col(UploadedImage.sha256) == sha256
        )
    ).scalar()


def _store_and_insert(
    session: Session, row: UploadedImage, files: list[tuple[str, IO[bytes], str]]
) -> Saved:
    """Store the files, then insert `row`. Whatever fails, no stored file stays behind; losing
    the unique (user_id, sha256) race to a concurrent upload returns the winner's row."""
    store = storage.get_storage()
    written: list[str] = []
    try:
        for key, file, content_type in files:
            file.flush()
            store.put_file(key, Path(file.name), content_type)
            written.append(key)
        # A savepoint: a failed insert must not end the caller's transaction.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        _delete_files(store, written)
        assert row.sha256 is not None
        winner = _uploaded(session, row.user_id, row.sha256)
        if winner is None:  # another constraint failed (e.g. no such user)
            raise
        return Saved(winner, created=False)
    except BaseException:
        _delete_files(store, written)
        raise
    _delete_if_rolled_back(session, store, written)
    return Saved(row, created=True)


def _delete_if_rolled_back(session: Session, store: storage.Storage, keys: list[str]) -> None:
    """The caller's transaction may still fail after this returns (its commit, its own next
    step): then the row is gone and so must the files be. Forgotten once it commits.

    Savepoints inside it (the caller's, or the next upload's) end with the same events;
    only the outermost transaction's ending counts."""

    pending = [True]  # until the outermost transaction ends; the session is short-lived

    def rolled_back(ended: Session) -> None:
        if pending[0] and not ended.in_nested_transaction():
            pending[0] = False
            _delete_files(store, keys)

    def committed(ended: Session) -> None:
        if not ended.in_nested_transaction():
            pending[0] = False

    # (Listeners cannot be removed while their event is being dispatched: they stay, idle.)
    event.listen(session, "after_rollback", rolled_back)
    event.listen(session, "after_commit", committed)


def _delete_files(store: storage.Storage, keys: Iterable[str | None]) -> None:
    for key in keys:
        if key:
            store.delete(key)


def get_owned(session: Session, user_id: int, image_id: int) -> UploadedImage:
    """The user's image; someone else's answers exactly like a missing one."""
    return ownership.get_owned(session, UploadedImage, user_id, image_id, "image")


def list_for(
    session: Session, user_id: int, page: int = 1, per_page: int = 20
) -> tuple[list[UploadedImage], int]:
    """One page of the user's images, newest first, and the total count."""
    query = (
        select(UploadedImage)
        .where(col(UploadedImage.user_id) == user_id)
        .order_by(col(UploadedImage.created_at).desc(), col(UploadedImage.id).desc())
    )
    return ownership.page_of(session, query, page, per_page)


def delete(session: Session, user_id: int, image_id: int) -> None:
    """Delete the row (scripts and videos keep existing, image_id SET NULL) and its files."""
    image = get_owned(session, user_id, image_id)
    session.delete(image)
    session.flush()
    _delete_files(storage.get_storage(), [image.file_path, image.thumbnail_path])


def url_for(image: UploadedImage) -> str:
    """The URL to give a client now (signed when the bucket is private)."""
    return storage.get_storage().url(image.file_path)


def thumbnail_url_for(image: UploadedImage) -> str:
    """The thumbnail's URL, or the photo's for one stored before thumbnails existed."""
    return storage.get_storage().url(image.thumbnail_path or image.file_path)


@dataclass(frozen=True)
class Backfill:
    made: int
    missing: int  # photos whose file is gone from storage: nothing to make a thumbnail of
    unreadable: int  # files that no longer decode


def backfill_thumbnails(session: Session) -> Backfill:
    """Make the thumbnails of photos stored before thumbnails existed, one commit each, so
    it is safe to stop and run again; only photos still without one are read. A photo that
    is gone or cannot be decoded is counted and skipped, never blocks the rest."""
    store = storage.get_storage()
    made = missing = unreadable = 0
    last_id = 0
    while True:
        row = session.execute(
            select(col(UploadedImage.id), col(UploadedImage.file_path))
            .where(col(UploadedImage.thumbnail_path).is_(None), col(UploadedImage.id) > last_id)
            .order_by(col(UploadedImage.id))
            .limit(1)
        ).first()
        if row is None:
            return Backfill(made, missing, unreadable)
        last_id, file_path = row
        try:
            photo = store.read_bytes(file_path or "")
        except NotFound:
            missing += 1
            continue
        key = storage.photo_thumbnail_key(file_path or "")
        with tempfile.NamedTemporaryFile() as thumbnail:
            try:
                # Our own clean copy: decoded as stored, already upright, without metadata.
                with Image.open(io.BytesIO(photo)) as decoded:
                    _encode_thumbnail(decoded, thumbnail)
            except Exception:  # Pillow reports broken data with many exception types
                unreadable += 1
                continue
            thumbnail.flush()
            store.put_file(key, Path(thumbnail.name), "image/jpeg")
        # By id: a photo deleted meanwhile updates nothing, and its new thumbnail goes too.
        updated = cast(
            CursorResult[Any],
            session.execute(
                update(UploadedImage)
                .where(
                    col(UploadedImage.id) == last_id, col(UploadedImage.thumbnail_path).is_(None)
                )
                .values(thumbnail_path=key)
            ),
        ).rowcount
        session.commit()
        if updated:
            made += 1
        elif session.get(UploadedImage, last_id) is None:
            store.delete(key)


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
    stream: BinaryIO,
    out: IO[bytes],
    thumbnail: IO[bytes],
    max_megapixels: int,
    declared: str | None,
) -> tuple[str, int, int]:
    """Decode `stream`, write its clean re-encoding to `out` and a thumbnail of it to
    `thumbnail`: (format, width, height)."""
    image, fmt = _decode(stream, max_megapixels, declared)
    upright = _encode(image, fmt, out)
    width, height = upright.size
    _encode_thumbnail(upright, thumbnail)
    return fmt, width, height


def _decode(stream: BinaryIO, max_megapixels: int, declared: str | None) -> tuple[Image.Image, str]:
    """Identify from the bytes, check the size from the header, then decode every pixel."""
    try:
        image = Image.open(stream, formats=list(FORMATS))
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_megapixels) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        stream.seek(0)
        raise _not_a_photo(stream.read(512), declared) from exc
    # Pillow's JPEG reader returns MPO for a JPEG with extra frames (some cameras): frame one.
    fmt = "JPEG" if image.format == "MPO" else str(image.format)
    if image.width * image.height > max_megapixels * 1_000_000:
        raise _too_many_pixels(max_megapixels, image.size)
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


def _too_many_pixels(max_megapixels: int, size: tuple[int, int] | None = None) -> TooLarge:
    """The limit in pixels, and the size to resize to (at the photo's shape when known)."""
    width, height = size or (4, 3)
    scale = (max_megapixels * 1_000_000 / (width * height)) ** 0.5
    found = f"The photo is {width} × {height} pixels" if size else "The photo has too many pixels"
    return TooLarge(
        f"{found}; the limit is {max_megapixels} megapixels ({max_megapixels} million pixels). "
        f"Resize it to at most {int(width * scale)} × {int(height * scale)} pixels and "
        "upload it again.",
        code="too_many_pixels",
    )


# The first bytes of common files that are not photos we take, and what to call them; the
# flag says it is a picture in a format we do not read.
_SIGNATURES: tuple[tuple[bytes, str, bool], ...] = (
    (b"%PDF", "a PDF document", False),
    (b"GIF8", "a GIF image", True),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)", False),
    (b"\x7fELF", "a program", False),
    (b"MZ", "a program", False),
    (b"BM", "a BMP image", True),
    (b"II*\x00", "a TIFF image", True),
    (b"MM\x00*", "a TIFF image", True),
    (b"\x1a\x45\xdf\xa3", "a video", False),
)
_DECLARED_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}
_ASK = "Please upload the product photo as a JPEG, PNG or WebP image instead."


def _kind_of_file(head: bytes) -> tuple[str, bool]:
    """What a file that is not a JPEG, PNG or WebP looks like, from its first bytes, and
    whether it is a picture at all."""
    for signature, name, picture in _SIGNATURES:
        if head.startswith(signature):
            return name, picture
    if head[4:8] == b"ftyp":
        if head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif"):
            return "a HEIC or AVIF photo", True
        return "a video", False
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")) and b"<svg" in text:
        return "an SVG drawing", True
    if text.startswith(b"<"):
        return "a text file (a web page or code)", False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "", False
    return "a text file", False


def _not_a_photo(head: bytes, declared: str | None) -> UnsupportedMedia:
    kind, picture = _kind_of_file(head)
    named = _DECLARED_NAMES.get(declared or "")
    posing = f", although it is named or labelled as a {named}" if named else ""
    if picture:
        said = f"This file is {kind}, a format we cannot use{posing}. Save or export it as JPEG"
        message = f"{said} or PNG and upload it again."
    elif kind:
        message = f"This file is {kind}, not a photo{posing}. {_ASK}"
    else:
        message = f"This file is not a photo we can read{posing}. {_ASK}"
    return UnsupportedMedia(message, code="unsupported_image")


def _encode(image: Image.Image, fmt: str, out: IO[bytes]) -> Image.Image:
    """Write the upright image without metadata; returns it, its info now what was kept."""
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
    upright.info = cast("dict[str | tuple[int, int], Any]", kept)
    return upright


def _encode_thumbnail(image: Image.Image, out: IO[bytes]) -> None:
    """Write a JPEG of at most THUMBNAIL_SIZE on its longest side, transparency on white.

    Shrinks `image` in place: the full-size pixels are not needed after the clean copy."""
    icc_profile = image.info.get("icc_profile")  # the pixels' colour space, as in the photo
    if image.mode in ("I", "I;16"):
        image = image.point(lambda v: v / 256).convert("L")  # 16-bit grey: convert() alone clips
    elif image.has_transparency_data and image.mode != "RGBA":
        image = image.convert("RGBA")  # palette or colour-key transparency becomes alpha
    elif image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")  # CMYK, 1-bit, palettes (which would not blend resized)
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))  # keeps the aspect, never enlarges
    if image.mode == "RGBA":
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
        image = image.convert("RGB")
    image.save(out, "JPEG", quality=_THUMBNAIL_QUALITY, icc_profile=icc_profile)
