"""Storage keys and the local backend: the seed's layout, safe names, no way out of the root."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from v4a_portal.services import storage
from v4a_portal.services.errors import NotFound
from v4a_portal.services.storage import InvalidKey, LocalStorage, keys

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media", "http://portal.example/")


def test_upload_and_video_keys_follow_the_seed_layout() -> None:
    assert re.fullmatch(rf"uploads/7/{UUID}_shoe\.jpg", storage.upload_key(7, "shoe.jpg"))
    at = datetime(2023, 1, 1, tzinfo=UTC)
    video = storage.video_key(7, at)
    assert re.fullmatch(rf"videos/7/{UUID}_1672531200\.mp4", video)
    assert storage.thumbnail_key(video) == video.removesuffix(".mp4") + ".jpg"
    assert storage.upload_key(7, "a.jpg") != storage.upload_key(7, "a.jpg")  # random UUID


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("photo.jpg", "photo.jpg"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("my photo (1).JPG", "my_photo_1.JPG"),
        ("café crème.png", "cafe_creme.png"),
        ("фото.png", "file.png"),
        ("a\x00b\r\n\x1bc.jpg", "a_b_c.jpg"),
        (".htaccess", "file.htaccess"),
        ("x.j p?g", "x.jpg"),
        ("....", "file"),
        ("", "file"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert storage.safe_filename(name) == expected


def test_safe_filename_caps_length_and_replaces_the_extension() -> None:
    name = storage.safe_filename("x" * 5000 + ".php", extension="png")
    assert len(name) <= keys.MAX_NAME_LENGTH and name.endswith(".png")
    assert storage.safe_filename("shell.php.jpg", extension="webp") == "shell.php.webp"


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../secret",
        "uploads/../../secret",
        "/etc/passwd",
        "uploads//x.jpg",
        "uploads/1/",
        "uploads/.hidden",
        "uploads\\..\\x",
        "uploads/1/a\x00.jpg",
        "uploads/1/a b.jpg",
        "uploads/1/%2e%2e",
        "x" * 501,
    ],
)
def test_unsafe_keys_are_refused(local: LocalStorage, key: str) -> None:
    with pytest.raises(InvalidKey):
        local.path(key)
    assert local.stat(key) is None
    with pytest.raises(NotFound):
        local.open(key)


def test_put_read_stat_delete(local: LocalStorage, tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(b"x" * 3_000_000)
    local.put_file("videos/1/a_1.mp4", source, "video/mp4")
    local.put_bytes("uploads/1/b_c.jpg", b"jpeg", "image/jpeg")

    assert local.stat("videos/1/a_1.mp4") == storage.ObjectInfo("videos/1/a_1.mp4", 3_000_000)
    assert local.read_bytes("uploads/1/b_c.jpg") == b"jpeg"
    with local.open("videos/1/a_1.mp4") as stream:
        assert stream.read(10) == b"x" * 10
    assert list(local.all_keys()) == ["uploads/1/b_c.jpg", "videos/1/a_1.mp4"]

    local.delete("uploads/1/b_c.jpg")
    local.delete("uploads/1/b_c.jpg")  # already gone: fine
    assert not local.exists("uploads/1/b_c.jpg")
    with pytest.raises(NotFound):
        local.read_bytes("uploads/1/b_c.jpg")


def test_a_write_never_leaves_a_partial_file(local: LocalStorage, tmp_path: Path) -> None:
    class Exploding:
        def read(self, _: int = -1) -> bytes:
            raise OSError("disk full")

    with pytest.raises(OSError):
        local._write("uploads/1/x_y.jpg", Exploding())  # type: ignore[arg-type]
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []


def test_symlink_out_of_the_root_is_refused(local: LocalStorage, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "media" / "uploads").mkdir(parents=True)
    (tmp_path / "media" / "uploads" / "link.jpg").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(InvalidKey):
        local.path("uploads/link.jpg")
    assert list(local.all_keys()) == []


def test_urls_point_at_the_media_route_and_back(local: LocalStorage) -> None:
    url = local.public_url("uploads/3/abc_x.jpg")
    assert url == "http://portal.example/media/uploads/3/abc_x.jpg"
    assert local.url("uploads/3/abc_x.jpg") == url
    assert local.key_from_url(url) == "uploads/3/abc_x.jpg"
    assert local.key_from_url("http://old-host:8000/media/videos/1/a_2.mp4") == "videos/1/a_2.mp4"
    assert local.key_from_url("https://storage.googleapis.com/b/uploads/3/abc_x.jpg") is None
    assert local.key_from_url("http://portal.example/media/../../etc/passwd") is None


def test_content_types_come_from_the_key() -> None:
    assert storage.content_type_for("uploads/1/a_b.jpg") == "image/jpeg"
    assert storage.content_type_for("uploads/1/a_b.webp") == "image/webp"
    assert storage.content_type_for("videos/1/a_1.mp4") == "video/mp4"
    assert storage.content_type_for("uploads/1/a_b.html") == "application/octet-stream"


def test_get_storage_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from v4a_portal.settings import get_settings

    assert isinstance(storage.get_storage(), LocalStorage)
    monkeypatch.setenv("V4A_STORAGE_BACKEND", "gcs")
    monkeypatch.setenv("GCS_BUCKET_NAME", "")
    get_settings.cache_clear()
    try:
        with pytest.raises(Exception, match="GCS_BUCKET_NAME"):
            storage.get_storage()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert isinstance(storage.get_storage(), LocalStorage)
