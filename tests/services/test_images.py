"""The photo service: what is stored is a clean re-encoding and a thumbnail, duplicates (also
uploaded at the same instant), ownership, delete."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from tests.emulators.gcs import configured
from tests.support import samples
from tests.support.factories import funded_user
from v4a_portal.db import session_scope
from v4a_portal.models import GeneratedScript, UploadedImage, Video
from v4a_portal.services import images, storage
from v4a_portal.services.errors import InvalidInput, NotFound, TooLarge, UnsupportedMedia


@pytest.fixture
def media(sqlite_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


@pytest.fixture
def media_any_db(any_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Like `media`, once on SQLite and once on PostgreSQL."""
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


def save(user_id: int, data: bytes | Path | io.BytesIO, name: str = "photo.jpg") -> images.Saved:
    with session_scope() as session:
        return images.save_upload(session, user_id, name, data)


def stored(image: UploadedImage) -> Image.Image:
    return Image.open(io.BytesIO(storage.get_storage().read_bytes(image.file_path)))


def stored_thumbnail(image: UploadedImage) -> Image.Image:
    assert image.thumbnail_path == storage.photo_thumbnail_key(image.file_path)
    return Image.open(io.BytesIO(storage.get_storage().read_bytes(image.thumbnail_path)))


def image_count() -> int:
    with session_scope() as session:
        return int(session.execute(select(func.count()).select_from(UploadedImage)).scalar_one())


@pytest.mark.parametrize(
    ("data", "fmt", "content_type"),
    [
        (samples.jpeg(), "JPEG", "image/jpeg"),
        (samples.png(mode="RGBA"), "PNG", "image/png"),
        (samples.webp(), "WEBP", "image/webp"),
    ],
)
def test_each_format_is_kept_and_described(
    media: Path, data: bytes, fmt: str, content_type: str
) -> None:
    user = funded_user()
    saved = save(user, data, name="My Shoe.bin")
    image = saved.image
    assert saved.created
    assert (image.content_type, image.width, image.height) == (content_type, 64, 48)
    assert image.original_filename == "My Shoe.bin"
    ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[fmt]
    assert image.file_path.startswith(f"uploads/{user}/") and image.file_path.endswith(
        f"_My_Shoe.{ext}"
    )
    assert image.storage_url == f"http://testserver/media/{image.file_path}"
    on_disk = media / image.file_path
    assert on_disk.is_file() and image.size == on_disk.stat().st_size
    assert stored(image).format == fmt
    assert stored(image).mode == ("RGBA" if fmt == "PNG" else "RGB")


def test_sources_can_be_bytes_paths_or_streams(media: Path, tmp_path: Path) -> None:
    user = funded_user()
    path = tmp_path / "p.png"
    path.write_bytes(samples.png((30, 20)))
    assert save(user, path).image.width == 30
    assert save(user, io.BytesIO(samples.jpeg((20, 30)))).image.height == 30
    assert image_count() == 2


def test_exif_orientation_is_applied_and_metadata_dropped(media: Path) -> None:
    original = samples.exif_rotated_jpeg(orientation=6)
    exif = Image.open(io.BytesIO(original)).getexif()
    assert exif[0x0112] == 6 and exif.get_ifd(0x8825)  # the sample really carries GPS

    image = save(funded_user(), original).image
    clean = stored(image)
    assert (image.width, image.height) == clean.size == (40, 80)  # was 80x40, turned upright
    assert not clean.getexif() and "exif" not in clean.info
    raw = storage.get_storage().read_bytes(image.file_path)
    assert b"Exif" not in raw and b"TestCam" not in raw
    # The red corner was top-left of the sensor image; orientation 6 puts it top-right.
    red, right = clean.convert("RGB").getpixel((35, 2)), clean.convert("RGB").getpixel((2, 2))
    assert red[0] > 200 and red[1] < 60, red
    assert right[0] < 200 or right[1] > 60, right


@pytest.mark.parametrize(
    "build",
    [
        samples.jpeg_plus_zip,
        samples.png_with_html_text_chunk,
        samples.png_with_html_after_end,
        samples.jpeg_with_html_comment,
        samples.jpeg_with_html_in_exif,
    ],
)
def test_polyglots_are_stored_without_their_payload(media: Path, build) -> None:  # type: ignore[no-untyped-def]
    data = build()
    image = save(funded_user(), data).image
    raw = storage.get_storage().read_bytes(image.file_path)
    assert raw != data
    assert samples.MARKER not in raw and b"PK\x03\x04" not in raw
    assert stored(image).size == (64, 48)


def test_same_bytes_twice_return_the_first_record(media: Path) -> None:
    user, other = funded_user(), funded_user()
    first = save(user, samples.jpeg(), name="a.jpg")
    again = save(user, samples.jpeg(), name="renamed.jpg")
    assert not again.created and again.image.id == first.image.id
    assert again.image.original_filename == "a.jpg"
    theirs = save(other, samples.jpeg())
    assert theirs.created and theirs.image.id != first.image.id
    assert first.image.sha256 == theirs.image.sha256  # hash of the bytes sent
    assert image_count() == 2 and len(samples.files_under(media)) == 4  # with thumbnails


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (samples.jpeg((1200, 800)), (320, 213)),
        (samples.png((700, 900), mode="RGBA"), (249, 320)),
        (samples.webp((64, 48)), (64, 48)),  # never enlarged
        (samples.exif_rotated_jpeg(), (40, 80)),  # upright, like the photo
    ],
    ids=["landscape-jpeg", "portrait-png-with-alpha", "small-webp", "exif-rotated"],
)
def test_a_jpeg_thumbnail_is_stored_beside_the_photo(
    media: Path, data: bytes, size: tuple[int, int]
) -> None:
    image = save(funded_user(), data).image
    thumbnail = stored_thumbnail(image)
    assert thumbnail.format == "JPEG" and thumbnail.mode == "RGB"
    assert thumbnail.size == size and max(size) <= images.THUMBNAIL_SIZE
    assert image.thumbnail_path == image.file_path.rsplit(".", 1)[0] + ".thumb.jpg"
    assert (media / image.thumbnail_path).is_file()
    assert images.thumbnail_url_for(image) == f"http://testserver/media/{image.thumbnail_path}"


def test_transparency_turns_white_in_the_thumbnail(media: Path) -> None:
    clear = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    clear.paste((200, 30, 30, 255), (0, 0, 100, 100))
    thumbnail = stored_thumbnail(save(funded_user(), samples.encode(clear, "PNG")).image)
    assert thumbnail.getpixel((300, 100)) == (255, 255, 255)
    red = thumbnail.getpixel((10, 10))
    assert red[0] > 180 and red[1] < 60, red


def test_photos_from_before_thumbnails_show_the_photo(media: Path) -> None:
    user = funded_user()
    image = save(user, samples.jpeg()).image
    with session_scope() as session:
        session.execute(update(UploadedImage).values(thumbnail_path=None))
        old = images.get_owned(session, user, image.id)  # type: ignore[arg-type]
        assert images.thumbnail_url_for(old) == images.url_for(old)
        images.delete(session, user, image.id)  # type: ignore[arg-type]
    assert samples.photos_under(media) == []


def test_losing_the_race_returns_the_winner_and_removes_its_files(
    media_any_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The duplicate check missed a concurrent upload that committed first: the unique index
    refuses the insert, and the caller's transaction carries on."""
    media = media_any_db
    user = funded_user()
    winner = save(user, samples.jpeg()).image
    found = images._uploaded
    calls: list[str] = []

    def missed_once(session, user_id, sha256):  # type: ignore[no-untyped-def]
        calls.append(sha256)
        return None if len(calls) == 1 else found(session, user_id, sha256)

    monkeypatch.setattr(images, "_uploaded", missed_once)
    with session_scope() as session:
        saved = images.save_upload(session, user, "again.jpg", samples.jpeg())
        assert len(calls) == 2  # the insert failed, and the winner was read
        session.add(GeneratedScript(user_id=user, image_id=saved.image.id, script_text="Buy."))
    assert not saved.created and saved.image.id == winner.id
    assert image_count() == 1
    assert samples.files_under(media) == sorted(
        [media / winner.file_path, media / winner.thumbnail_path]  # type: ignore[operator]
    )


def test_the_same_photo_at_the_same_instant_makes_one_row(media_any_db: Path) -> None:
    media = media_any_db
    user, uploads = funded_user(), 8
    data = samples.jpeg((900, 600))
    start = threading.Barrier(uploads)

    def upload(n: int) -> images.Saved:
        start.wait()
        return save(user, data, name=f"copy-{n}.jpg")

    with ThreadPoolExecutor(uploads) as pool:
        results = list(pool.map(upload, range(uploads)))

    with session_scope() as session:
        (row,) = session.execute(select(UploadedImage)).scalars()
    assert [r.image.id for r in results] == [row.id] * uploads
    assert sum(r.created for r in results) == 1
    assert samples.files_under(media) == sorted(
        [media / row.file_path, media / row.thumbnail_path]  # type: ignore[operator]
    )


def test_size_limit_is_configurable(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from v4a_portal.settings import get_settings

    big = samples.encode(Image.effect_noise((800, 800), 100).convert("RGB"), "PNG")
    assert len(big) > 1024 * 1024
    monkeypatch.setenv("V4A_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    with pytest.raises(TooLarge) as caught:
        save(funded_user(), big)
    assert caught.value.code == "file_too_large" and "1 MB" in caught.value.message
    assert image_count() == 0 and samples.files_under(media) == []


def test_pixel_limit_is_checked_before_decoding(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v4a_portal.settings import get_settings

    monkeypatch.setenv("V4A_MAX_IMAGE_MEGAPIXELS", "1")
    get_settings.cache_clear()
    with pytest.raises(TooLarge, match="1 megapixels"):
        save(funded_user(), samples.jpeg_claiming(1001, 1000))  # the pixels are not there
    assert save(funded_user(), samples.jpeg((1000, 1000))).created


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        (b"", InvalidInput, "empty_file"),
        (samples.HTML, UnsupportedMedia, "unsupported_image"),
        (samples.apng(), UnsupportedMedia, "animated_image"),
        (samples.png_claiming(100_000, 100_000), TooLarge, "too_many_pixels"),
        (samples.png((300, 300))[:400], InvalidInput, "corrupt_image"),
    ],
)
def test_rejections_leave_nothing(
    media: Path, data: bytes, error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as caught:
        save(funded_user(), data)
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert image_count() == 0 and samples.files_under(media) == []


def test_a_failed_insert_removes_the_stored_file(media: Path) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"):
        save(987654, samples.jpeg())  # no such user
    assert image_count() == 0 and samples.files_under(media) == []


def test_a_transaction_failing_after_the_upload_removes_its_files(media_any_db: Path) -> None:
    """The caller's own transaction fails after save_upload returned: no row, no file."""
    user = funded_user()
    with pytest.raises(RuntimeError), session_scope() as session:
        saved = images.save_upload(session, user, "photo.jpg", samples.jpeg())
        session.flush()
        assert len(samples.files_under(media_any_db)) == 2  # the photo and its thumbnail
        raise RuntimeError("the request failed later")
    assert saved.created
    assert image_count() == 0 and samples.files_under(media_any_db) == []


def test_a_committed_upload_keeps_its_files_through_later_rollbacks(media: Path) -> None:
    """Once committed, a later rollback in the same session deletes nothing."""
    with session_scope() as session:
        images.save_upload(session, funded_user(), "photo.jpg", samples.jpeg())
        session.commit()
        session.execute(select(func.count()).select_from(UploadedImage))  # a new transaction
        session.rollback()
    assert image_count() == 1 and len(samples.files_under(media)) == 2


def test_savepoints_after_an_upload_do_not_count_as_its_ending(media_any_db: Path) -> None:
    """A savepoint of the caller's that rolls back keeps the upload's files (its row
    commits); a second upload's savepoint does not take away the first one's guard."""
    user = funded_user()
    with session_scope() as session:
        images.save_upload(session, user, "a.jpg", samples.jpeg((300, 200)))
        savepoint = session.begin_nested()
        session.execute(select(func.count()).select_from(UploadedImage))
        savepoint.rollback()
    assert image_count() == 1 and len(samples.files_under(media_any_db)) == 2

    with pytest.raises(RuntimeError), session_scope() as session:
        images.save_upload(session, user, "b.jpg", samples.jpeg((301, 200)))
        images.save_upload(session, user, "c.jpg", samples.jpeg((302, 200)))
        raise RuntimeError("the request failed later")
    assert image_count() == 1 and len(samples.files_under(media_any_db)) == 2


def test_ownership_listing_and_reading(media_any_db: Path) -> None:
    media = media_any_db
    user, other = funded_user(), funded_user()
    ids = [save(user, samples.jpeg((10 + i, 10))).image.id for i in range(3)]
    with session_scope() as session:
        with pytest.raises(NotFound):
            images.get_owned(session, other, ids[0])
        with pytest.raises(NotFound):
            images.delete(session, other, ids[0])
        with pytest.raises(NotFound):
            images.get_owned(session, user, 10**6)
        page, total = images.list_for(session, user, page=1, per_page=2)
        assert total == 3 and [i.id for i in page] == [ids[2], ids[1]]
        page, _ = images.list_for(session, user, page=2, per_page=2)
        assert [i.id for i in page] == [ids[0]]
        assert images.list_for(session, other) == ([], 0)
        mine = images.get_owned(session, user, ids[0])
        assert Image.open(io.BytesIO(images.read_bytes(mine))).size == (10, 10)
        assert images.url_for(mine) == mine.storage_url
    assert len(samples.photos_under(media)) == 3 and len(samples.files_under(media)) == 6


def test_delete_removes_the_file_and_keeps_scripts_and_videos(media_any_db: Path) -> None:
    media = media_any_db
    user = funded_user()
    image = save(user, samples.jpeg()).image
    with session_scope() as session:
        script = GeneratedScript(user_id=user, image_id=image.id, script_text="Buy it.")
        session.add(script)
        session.flush()
        video = Video(user_id=user, image_id=image.id, script_id=script.id, model="m", duration=4)
        session.add(video)
        session.flush()
        script_id, video_id = script.id, video.id
    assert (media / image.file_path).is_file() and (media / image.thumbnail_path).is_file()  # type: ignore[operator]

    with session_scope() as session:
        images.delete(session, user, image.id)  # type: ignore[arg-type]

    assert samples.files_under(media) == []  # the photo and its thumbnail
    with session_scope() as session:
        assert session.get(UploadedImage, image.id) is None
        assert session.get(GeneratedScript, script_id).image_id is None  # type: ignore[union-attr]
        assert session.get(Video, video_id).image_id is None  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            images.delete(session, user, image.id)  # type: ignore[arg-type]


def test_with_gcs_the_photo_goes_to_the_bucket(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    with configured(monkeypatch) as emulator:
        user = funded_user()
        image = save(user, samples.exif_rotated_jpeg()).image
        assert image.storage_url == f"{emulator.url}/{emulator.bucket}/{image.file_path}"
        fetched = httpx.get(image.storage_url)
        assert fetched.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(fetched.content)).size == (40, 80)
        assert samples.files_under(media) == []  # nothing local
        thumbnail = httpx.get(images.thumbnail_url_for(image))
        assert thumbnail.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(thumbnail.content)).size == (40, 80)
        with session_scope() as session:
            images.delete(session, user, image.id)  # type: ignore[arg-type]
        assert not storage.get_storage().exists(image.file_path)
        assert not storage.get_storage().exists(image.thumbnail_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "declared", "words"),
    [
        (samples.HTML, "image/jpeg", "This file is a text file (a web page or code), not a photo"),
        (samples.SVG, "image/jpeg", "This file is an SVG drawing, a format we cannot use"),
        (b"%PDF-1.7\n" + b"0" * 200, None, "This file is a PDF document, not a photo."),
    ],
)
def test_a_refused_file_is_said_for_what_it_is(
    media: Path, data: bytes, declared: str | None, words: str
) -> None:
    with session_scope() as session, pytest.raises(UnsupportedMedia) as caught:
        images.save_upload(session, funded_user(), "holiday.jpg", data, declared)
    assert words in caught.value.message
    assert "JPEG" in caught.value.message and "image/" not in caught.value.message
    if declared:
        assert "although it is named or labelled as a JPEG" in caught.value.message


def test_too_many_pixels_says_the_limit_in_pixels_and_suggests_resizing(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from v4a_portal.settings import get_settings

    monkeypatch.setenv("V4A_MAX_IMAGE_MEGAPIXELS", "1")
    get_settings.cache_clear()
    with pytest.raises(TooLarge) as caught:
        save(funded_user(), samples.jpeg_claiming(2000, 1000))
    assert caught.value.message == (
        "The photo is 2000 × 1000 pixels; the limit is 1 megapixels (1 million pixels). "
        "Resize it to at most 1414 × 707 pixels and upload it again."
    )
