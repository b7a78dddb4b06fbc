"""POST /api/v1/ai/upload-image and /api/v1/images: hostile and broken uploads are refused with
the right status, leave no row, no file and the balance as it was; accepted ones are clean."""

from __future__ import annotations

import asyncio
import io
import random
import re
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select, update

from tests.api.conftest import assert_error, bearer, make_user
from tests.conftest import use_database
from tests.emulators.gcs import configured
from tests.support import samples
from v4a_portal import schema_migrations
from v4a_portal.api.app import create_api
from v4a_portal.db import session_scope
from v4a_portal.models import UploadedImage, User
from v4a_portal.services import ledger

UPLOAD = "/api/v1/ai/upload-image"
MB = 1024 * 1024
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def media(
    api_client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


@pytest.fixture
def user() -> User:
    return make_user(name="Uma")


# The many refusal cases change nothing, so they share one migrated database and one user
# (a fresh database per case costs a migration each).
@pytest.fixture(scope="module")
def refusals_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, User]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('refusals') / 'v4a.db'}"
    use_database(url)
    schema_migrations.upgrade()
    yield url, make_user(name="Rex")
    use_database("")


@pytest.fixture
def refusals(
    refusals_db: tuple[str, User], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[TestClient, Path, User]]:
    """(client, media folder, user) on the shared database."""
    url, user = refusals_db
    use_database(url)
    with (
        samples.fresh_media_dir(monkeypatch, tmp_path) as media,
        TestClient(create_api(), base_url="http://testserver") as client,
    ):
        yield client, media, user
    use_database("")


def multipart(
    filename: bytes | str,
    data: bytes,
    content_type: str = "image/jpeg",
    field: str = "file",
) -> tuple[bytes, dict[str, str]]:
    """A multipart body built by hand, so file names can hold any byte."""
    boundary = secrets.token_hex(12)
    name = filename.encode() if isinstance(filename, str) else filename
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
        + name
        + f'"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(
    client: TestClient,
    user: User,
    data: bytes,
    filename: bytes | str = "photo.jpg",
    content_type: str = "image/jpeg",
) -> httpx.Response:
    body, headers = multipart(filename, data, content_type)
    return client.post(UPLOAD, content=body, headers={**headers, **bearer(user)})


def balance(user: User) -> tuple[int, int]:
    with session_scope() as session:
        row = session.get(User, user.id)
        assert row is not None and user.id is not None
        return row.credits, ledger.balance(session, user.id)


def image_count() -> int:
    with session_scope() as session:
        return int(session.execute(select(func.count()).select_from(UploadedImage)).scalar_one())


def assert_nothing_stored(media: Path, user: User, before: tuple[int, int]) -> None:
    assert image_count() == 0
    assert samples.files_under(media) == []
    assert balance(user) == before


def _truncated(data: bytes, fraction: float) -> bytes:
    return data[: int(len(data) * fraction)]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


def _noise(size: int) -> bytes:
    return random.Random(size).randbytes(size)


# (case, filename, build the bytes, declared Content-Type, status, error code)
REJECTED: list[tuple[str, str, Callable[[], bytes], str, int, str]] = [
    ("zero-bytes", "empty.jpg", lambda: b"", "image/jpeg", 422, "empty_file"),
    (
        "truncated-jpeg-header",
        "cut.jpg",
        lambda: samples.jpeg((200, 200))[:400],
        "image/jpeg",
        415,
        "unsupported_image",
    ),
    (
        "truncated-jpeg-scan",
        "cut.jpg",
        lambda: _truncated(samples.jpeg((200, 200)), 0.66),
        "image/jpeg",
        422,
        "corrupt_image",
    ),
    (
        "truncated-png",
        "cut.png",
        lambda: _truncated(samples.png((200, 200)), 0.5),
        "image/png",
        422,
        "corrupt_image",
    ),
    (
        "truncated-webp",
        "cut.webp",
        lambda: samples.webp((200, 200))[:100],
        "image/webp",
        415,
        "unsupported_image",
    ),
    (
        "png-bomb-10-gigapixels",
        "bomb.png",
        lambda: samples.png_claiming(100_000, 100_000),
        "image/png",
        413,
        "too_many_pixels",
    ),
    (
        "png-48-megapixels",
        "big.png",
        lambda: samples.png_claiming(8000, 6000),
        "image/png",
        413,
        "too_many_pixels",
    ),
    (
        "jpeg-claiming-65000x65000",
        "bomb.jpg",
        lambda: samples.jpeg_claiming(65_000, 65_000),
        "image/jpeg",
        413,
        "too_many_pixels",
    ),
    ("svg", "logo.svg", lambda: samples.SVG, "image/svg+xml", 415, "unsupported_image"),
    ("svg-renamed-jpg", "logo.jpg", lambda: samples.SVG, "image/jpeg", 415, "unsupported_image"),
    ("html-renamed-jpg", "index.jpg", lambda: samples.HTML, "image/jpeg", 415, "unsupported_image"),
    ("html-sent-as-png", "page.png", lambda: samples.HTML, "image/png", 415, "unsupported_image"),
    ("php-renamed-jpg", "shell.jpg", lambda: samples.PHP, "image/jpeg", 415, "unsupported_image"),
    ("elf-renamed-jpg", "python.jpg", samples.elf, "image/jpeg", 415, "unsupported_image"),
    ("pe-renamed-jpg", "setup.jpg", samples.pe, "image/jpeg", 415, "unsupported_image"),
    ("pdf-renamed-png", "doc.png", lambda: samples.PDF, "image/png", 415, "unsupported_image"),
    ("zip-renamed-jpg", "a.jpg", samples.zip_file, "image/jpeg", 415, "unsupported_image"),
    ("gif", "still.gif", samples.gif, "image/gif", 415, "unsupported_image"),
    ("animated-gif", "anim.gif", lambda: samples.gif(3), "image/gif", 415, "unsupported_image"),
    ("animated-png", "anim.png", samples.apng, "image/png", 415, "animated_image"),
    ("animated-webp", "anim.webp", samples.animated_webp, "image/webp", 415, "animated_image"),
    (
        "bmp",
        "a.bmp",
        lambda: samples.encode(samples.picture(), "BMP"),
        "image/bmp",
        415,
        "unsupported_image",
    ),
    (
        "tiff",
        "a.tif",
        lambda: samples.encode(samples.picture(), "TIFF"),
        "image/tiff",
        415,
        "unsupported_image",
    ),
    (
        "ico",
        "favicon.ico",
        lambda: samples.encode(samples.picture(), "ICO"),
        "image/x-icon",
        415,
        "unsupported_image",
    ),
    (
        "gifar-polyglot",
        "a.gif",
        lambda: samples.gif() + samples.zip_file("Evil.class"),
        "image/gif",
        415,
        "unsupported_image",
    ),
    (
        "html-then-jpeg-polyglot",
        "a.jpg",
        lambda: samples.HTML + samples.jpeg(),
        "image/jpeg",
        415,
        "unsupported_image",
    ),
    ("random-bytes", "a.jpg", lambda: _noise(4096), "image/jpeg", 415, "unsupported_image"),
    ("plain-text", "a.jpg", lambda: b"hello world\n", "text/plain", 415, "unsupported_image"),
    (
        "png-bad-header-crc",
        "a.png",
        lambda: _flip(samples.png((50, 50)), 30),
        "image/png",
        415,
        "unsupported_image",
    ),
    (
        "png-damaged-pixel-data",
        "a.png",
        lambda: samples.png((50, 50))[:60] + b"\x00" * 20 + samples.png((50, 50))[80:],
        "image/png",
        422,
        "corrupt_image",
    ),
    (
        "just-over-10-mb",
        "huge.jpg",
        lambda: samples.jpeg() + b"\x00" * (10 * MB),
        "image/jpeg",
        413,
        "file_too_large",
    ),
    (
        "50-mb-body",
        "huge.jpg",
        lambda: b"\xff\xd8\xff\xe0" + b"\x00" * (50 * MB),
        "image/jpeg",
        413,
        "file_too_large",
    ),
]


@pytest.mark.parametrize(
    ("filename", "build", "content_type", "status", "code"),
    [case[1:] for case in REJECTED],
    ids=[case[0] for case in REJECTED],
)
def test_hostile_or_broken_files_are_refused_and_leave_nothing(
    refusals: tuple[TestClient, Path, User],
    filename: str,
    build: Callable[[], bytes],
    content_type: str,
    status: int,
    code: str,
) -> None:
    api_client, media, user = refusals
    before = balance(user)
    assert_error(upload(api_client, user, build(), filename, content_type), status, code)
    assert_nothing_stored(media, user, before)


def test_at_least_thirty_hostile_files() -> None:
    assert len(REJECTED) >= 30


def _send(client: TestClient, user: User, **kwargs: object) -> httpx.Response:
    headers = {**bearer(user), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return client.post(UPLOAD, headers=headers, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("missing-file-field", 422, "file_required"),
        ("file-sent-as-text-field", 422, "file_required"),
        ("two-files", 422, "invalid_multipart"),
        ("no-boundary", 422, "invalid_multipart"),
        ("json-body", 415, "multipart_required"),
        ("raw-jpeg-body", 415, "multipart_required"),
        ("crlf-in-filename", 422, "invalid_multipart"),
    ],
)
def test_malformed_requests_are_refused(
    refusals: tuple[TestClient, Path, User], case: str, status: int, code: str
) -> None:
    api_client, media, user = refusals
    before = balance(user)
    photo = samples.jpeg()
    if case == "missing-file-field":
        response = _send(api_client, user, files={"image": ("a.jpg", photo, "image/jpeg")})
    elif case == "file-sent-as-text-field":
        response = _send(api_client, user, data={"file": "a.jpg"}, files={"x": ("a", b"1")})
    elif case == "two-files":
        files = [("file", ("a.jpg", photo, "image/jpeg")), ("file", ("b.jpg", photo))]
        response = _send(api_client, user, files=files)
    elif case == "no-boundary":
        headers = {"Content-Type": "multipart/form-data"}
        response = _send(api_client, user, content=photo, headers=headers)
    elif case == "json-body":
        response = _send(api_client, user, json={"file": "aGVsbG8="})
    elif case == "raw-jpeg-body":
        response = _send(api_client, user, content=photo, headers={"Content-Type": "image/jpeg"})
    else:
        response = upload(api_client, user, photo, b"evil\r\nContent-Type: text/html\r\n.jpg")
    assert_error(response, status, code)
    assert_nothing_stored(media, user, before)


def test_an_oversized_body_is_refused_while_it_streams(
    refusals: tuple[TestClient, Path, User],
) -> None:
    """No Content-Length (chunked): the server stops reading shortly past the cap."""
    api_client, media, user = refusals
    sent = 0
    boundary = "b" * 16

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield f"--{boundary}\r\n".encode()
        yield b'Content-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        yield b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0"
        for _ in range(50 * 16):  # 50 MB in 64 KiB pieces, made on demand
            sent += 64 * 1024
            yield b"\x00" * (64 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=api_client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            return await client.post(UPLOAD, content=body(), headers={**headers, **bearer(user)})

    before = balance(user)
    response = asyncio.run(post())
    assert_error(response, 413, "file_too_large")
    assert sent <= 11 * MB, f"the server read {sent:,} bytes of a 50 MB body"
    assert_nothing_stored(media, user, before)


def test_a_slow_upload_does_not_hold_the_database(
    refusals: tuple[TestClient, Path, User], refusals_db: tuple[str, User]
) -> None:
    """Another writer gets the SQLite write lock while an upload's body is still arriving."""
    api_client, media, user = refusals
    database = refusals_db[0].removeprefix("sqlite:///")
    boundary = "c" * 16
    writer_got_lock = False

    async def body() -> AsyncIterator[bytes]:
        nonlocal writer_got_lock
        yield f"--{boundary}\r\n".encode()
        yield b'Content-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        yield samples.HTML
        with sqlite3.connect(database, timeout=0.5, isolation_level=None) as other:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writer_got_lock = True
        yield f"\r\n--{boundary}--\r\n".encode()

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=api_client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            return await client.post(UPLOAD, content=body(), headers={**headers, **bearer(user)})

    before = balance(user)
    assert_error(asyncio.run(post()), 415)
    assert writer_got_lock
    assert_nothing_stored(media, user, before)


def test_sign_in_comes_first(refusals: tuple[TestClient, Path, User]) -> None:
    api_client, media, _ = refusals
    body, headers = multipart("a.jpg", samples.jpeg())
    assert_error(api_client.post(UPLOAD, content=body, headers=headers), 401)
    assert image_count() == 0 and samples.files_under(media) == []


# --- accepted uploads ------------------------------------------------------------------


def test_a_photo_is_accepted(api_client: TestClient, media: Path, user: User) -> None:
    before = balance(user)
    response = upload(api_client, user, samples.jpeg((64, 48)), "Red Shoe.jpg")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["width"] == 64 and body["height"] == 48
    assert body["content_type"] == "image/jpeg"
    assert body["original_filename"] == "Red Shoe.jpg"
    assert re.fullmatch(
        rf"http://testserver/media/uploads/{user.id}/{UUID}_Red_Shoe\.jpg", body["storage_url"]
    )
    assert body["thumbnail_url"] == body["storage_url"].removesuffix(".jpg") + ".thumb.jpg"
    assert len(body["sha256"]) == 64 and body["size"] > 0
    served = api_client.get(body["storage_url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert len(served.content) == body["size"]
    assert balance(user) == before  # uploading is free
    assert len(samples.files_under(media)) == 2  # the photo and its thumbnail


@pytest.mark.parametrize(
    ("data", "filename", "declared", "content_type", "suffix"),
    [
        (samples.jpeg(), "photo.jpg", "text/html", "image/jpeg", ".jpg"),
        (samples.png(), "photo.jpg", "image/jpeg", "image/png", ".png"),
        (samples.webp(), "photo.gif", "application/octet-stream", "image/webp", ".webp"),
        (samples.jpeg(), "shell.php", "application/x-php", "image/jpeg", ".jpg"),
    ],
    ids=["jpeg-sent-as-html", "png-named-jpg", "webp-named-gif", "jpeg-named-php"],
)
def test_the_bytes_decide_not_the_name_or_header(
    api_client: TestClient,
    media: Path,
    user: User,
    data: bytes,
    filename: str,
    declared: str,
    content_type: str,
    suffix: str,
) -> None:
    response = upload(api_client, user, data, filename, declared)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == content_type
    (stored,) = samples.photos_under(media)
    assert stored.suffix == suffix


@pytest.mark.parametrize(
    ("filename", "shown"),
    [
        (b"../../etc/passwd.jpg", "passwd.jpg"),
        (b"..\\..\\windows\\system32\\evil.jpg", "evil.jpg"),
        (b"/etc/cron.d/evil.jpg", "evil.jpg"),
        (b"a\x00b.jpg", "ab.jpg"),
        (b"a\x01\x1b[31m\x7fb.jpg", "a[31mb.jpg"),
        (b"tab\tand\x0bvt.jpg", "tabandvt.jpg"),
        (b"<script>alert(1)</script>.jpg", "script>.jpg"),
        ("фото 😀.jpg".encode(), "фото 😀.jpg"),
        (b"%2e%2e%2fpasswd.jpg", "%2e%2e%2fpasswd.jpg"),
        (b"", "image"),
        (b"x" * 3000 + b".jpg", "x" * 255),
    ],
    ids=[
        "dot-dot-slash",
        "dot-dot-backslash",
        "absolute",
        "nul",
        "escape-codes",
        "tabs",
        "html",
        "unicode",
        "percent-encoded",
        "empty",
        "3000-chars",
    ],
)
def test_file_names_are_sanitised(
    api_client: TestClient, media: Path, user: User, filename: bytes, shown: str
) -> None:
    response = upload(api_client, user, samples.jpeg(), filename)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["original_filename"] == shown
    with session_scope() as session:
        key = session.get(UploadedImage, body["id"]).file_path  # type: ignore[union-attr]
    assert re.fullmatch(rf"uploads/{user.id}/{UUID}_[A-Za-z0-9][A-Za-z0-9._-]*\.jpg", key), key
    assert len(key) <= 160
    (stored,) = samples.photos_under(media)
    assert stored.resolve() == (media / key).resolve()
    assert stored.resolve().is_relative_to(media.resolve())


def test_exif_rotation_applied_and_gps_gone(
    api_client: TestClient, media: Path, user: User
) -> None:
    response = upload(api_client, user, samples.exif_rotated_jpeg(orientation=6))
    assert response.status_code == 201
    body = response.json()
    assert (body["width"], body["height"]) == (40, 80)
    served = api_client.get(body["storage_url"]).content
    assert b"Exif" not in served
    image = Image.open(io.BytesIO(served))
    assert image.size == (40, 80) and not image.getexif()


def test_a_valid_jpeg_with_a_zip_appended_is_stored_without_it(
    api_client: TestClient, media: Path, user: User
) -> None:
    """Polyglots: a file that is first of all a valid JPEG/PNG/WebP (payload appended, or in a
    comment/text chunk/EXIF) is accepted, because what is stored and served is the re-encoded
    pixels only. One that is first something else (GIFAR, HTML then JPEG) is refused above.
    tests/services/test_images.py checks the other accepted kinds."""
    polyglot = samples.jpeg_plus_zip()
    response = upload(api_client, user, polyglot, "a.jpg")
    assert response.status_code == 201
    served = api_client.get(response.json()["storage_url"]).content
    assert b"PK\x03\x04" not in served and samples.MARKER not in served
    assert served != polyglot and Image.open(io.BytesIO(served)).size == (64, 48)


def test_the_same_photo_twice_returns_the_existing_record(
    api_client: TestClient, media: Path, user: User
) -> None:
    first = upload(api_client, user, samples.png(), "a.png")
    second = upload(api_client, user, samples.png(), "b.png")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    other = upload(api_client, make_user(name="Ola"), samples.png(), "a.png")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert image_count() == 2 and len(samples.files_under(media)) == 4  # with thumbnails


# --- listing, reading, deleting -----------------------------------------------------------


def test_list_is_paginated_newest_first(api_client: TestClient, media: Path, user: User) -> None:
    ids = [upload(api_client, user, samples.jpeg((20 + i, 20))).json()["id"] for i in range(3)]
    upload(api_client, make_user(name="Ola"), samples.jpeg((99, 20)))
    page1 = api_client.get("/api/v1/images?per_page=2", headers=bearer(user)).json()
    page2 = api_client.get("/api/v1/images?per_page=2&page=2", headers=bearer(user)).json()
    assert [i["id"] for i in page1["items"]] == [ids[2], ids[1]]
    assert [i["id"] for i in page2["items"]] == [ids[0]]
    assert page1["total"] == 3 and (page1["page"], page1["per_page"]) == (1, 2)
    assert_error(api_client.get("/api/v1/images?per_page=1000", headers=bearer(user)), 422)


def test_the_list_gives_each_photo_a_thumbnail(
    api_client: TestClient, media: Path, user: User
) -> None:
    portrait = upload(api_client, user, samples.jpeg((900, 1200))).json()
    landscape = upload(api_client, user, samples.png((1000, 500), mode="RGBA"), "wide.png").json()
    listed = api_client.get("/api/v1/images", headers=bearer(user)).json()["items"]
    assert [i["thumbnail_url"] for i in listed] == [
        landscape["thumbnail_url"],
        portrait["thumbnail_url"],
    ]
    for item, size in zip(listed, [(320, 160), (240, 320)], strict=True):
        assert item["thumbnail_url"] != item["storage_url"]
        served = api_client.get(item["thumbnail_url"])
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        thumbnail = Image.open(io.BytesIO(served.content))
        assert thumbnail.format == "JPEG" and thumbnail.size == size

    response = api_client.delete(f"/api/v1/images/{portrait['id']}", headers=bearer(user))
    assert response.status_code == 204
    assert_error(api_client.get(portrait["thumbnail_url"]), 404)
    assert api_client.get(landscape["thumbnail_url"]).status_code == 200
    assert len(samples.files_under(media)) == 2


def test_a_photo_from_before_thumbnails_lists_the_photo_itself(
    api_client: TestClient, media: Path, user: User
) -> None:
    image = upload(api_client, user, samples.jpeg()).json()
    with session_scope() as session:
        session.execute(update(UploadedImage).values(thumbnail_path=None))
    (listed,) = api_client.get("/api/v1/images", headers=bearer(user)).json()["items"]
    assert listed["thumbnail_url"] == listed["storage_url"] == image["storage_url"]


def test_another_users_image_is_404(api_client: TestClient, media: Path, user: User) -> None:
    image = upload(api_client, user, samples.jpeg()).json()
    mallory = bearer(make_user(name="Mallory"))
    assert api_client.get(f"/api/v1/images/{image['id']}", headers=bearer(user)).json() == image
    assert_error(api_client.get(f"/api/v1/images/{image['id']}", headers=mallory), 404)
    assert_error(api_client.delete(f"/api/v1/images/{image['id']}", headers=mallory), 404)
    assert_error(api_client.get("/api/v1/images/999999", headers=bearer(user)), 404)
    assert_error(api_client.get("/api/v1/images/99999999999999999999", headers=bearer(user)), 422)
    assert len(samples.files_under(media)) == 2  # Mallory's delete removed nothing


def test_delete_removes_the_file(api_client: TestClient, media: Path, user: User) -> None:
    image = upload(api_client, user, samples.jpeg()).json()
    response = api_client.delete(f"/api/v1/images/{image['id']}", headers=bearer(user))
    assert response.status_code == 204 and response.content == b""
    assert samples.files_under(media) == [] and image_count() == 0
    assert_error(api_client.get(image["storage_url"]), 404)
    assert_error(api_client.delete(f"/api/v1/images/{image['id']}", headers=bearer(user)), 404)


def test_uploads_go_to_the_bucket_with_gcs(
    api_client: TestClient, media: Path, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    with configured(monkeypatch) as emulator:
        body = upload(api_client, user, samples.exif_rotated_jpeg()).json()
        assert body["storage_url"].startswith(f"{emulator.url}/{emulator.bucket}/uploads/")
        fetched = httpx.get(body["storage_url"])
        assert fetched.status_code == 200
        assert Image.open(io.BytesIO(fetched.content)).size == (40, 80)
        assert samples.files_under(media) == []
        before = balance(user)
        assert_error(upload(api_client, user, samples.HTML), 415)
        assert image_count() == 1 and balance(user) == before
