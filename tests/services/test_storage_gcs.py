"""The GCS backend through the real google-cloud-storage client against gcp-storage-emulator,
and `storage migrate --to gcs` (rerunnable)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from google.cloud.storage import Blob
from google.oauth2 import service_account

from tests.emulators.gcs import CHUNK_KIB, GcsEmulator, configured
from tests.support import samples
from tests.support.factories import run_cli
from v4a_portal import cli
from v4a_portal.db import session_scope
from v4a_portal.models import UploadedImage, Video, VideoStatus
from v4a_portal.services import images, storage
from v4a_portal.services.errors import NotFound
from v4a_portal.services.storage.gcs import GcsStorage

CHUNK = CHUNK_KIB * 1024


@pytest.fixture
def gcs(monkeypatch: pytest.MonkeyPatch) -> Iterator[GcsEmulator]:
    with configured(monkeypatch) as emulator:
        yield emulator


@pytest.fixture
def bucket(gcs: GcsEmulator) -> GcsStorage:
    backend = storage.get_storage()
    assert isinstance(backend, GcsStorage)
    return backend


@pytest.fixture
def upload_paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records which upload path the client library takes for each object."""
    taken: list[str] = []
    for name in ("_do_multipart_upload", "_do_resumable_upload"):
        original = getattr(Blob, name)

        def spy(self: Blob, *args: object, _o=original, _n=name, **kwargs: object) -> object:
            taken.append(_n)
            return _o(self, *args, **kwargs)

        monkeypatch.setattr(Blob, name, spy)
    return taken


def test_a_file_larger_than_a_chunk_goes_up_resumable(
    bucket: GcsStorage, tmp_path: Path, upload_paths: list[str]
) -> None:
    data = os.urandom(5 * CHUNK + 12345)  # five full chunks and a partial one
    source = tmp_path / "big.mp4"
    source.write_bytes(data)
    key = storage.video_key(1)

    bucket.put_file(key, source, "video/mp4")

    assert upload_paths == ["_do_resumable_upload"]
    info = bucket.stat(key)
    assert info is not None and info.size == len(data)
    assert info.md5 == hashlib.md5(data).hexdigest()
    with bucket.open(key) as stream:  # read back in chunks too
        assert stream.read() == data
    public = httpx.get(bucket.public_url(key))
    assert public.status_code == 200 and public.content == data
    assert public.headers["content-type"] == "video/mp4"
    blob = bucket.bucket.get_blob(key)
    assert blob is not None and blob.cache_control == storage.CACHE_CONTROL


def test_a_small_file_goes_up_in_one_request(
    bucket: GcsStorage, tmp_path: Path, upload_paths: list[str]
) -> None:
    source = tmp_path / "small.jpg"
    source.write_bytes(samples.jpeg())
    bucket.put_file("uploads/1/a_small.jpg", source, "image/jpeg")
    assert upload_paths == ["_do_multipart_upload"]
    assert bucket.read_bytes("uploads/1/a_small.jpg") == source.read_bytes()


def test_uploading_streams_from_disk(bucket: GcsStorage, tmp_path: Path) -> None:
    source = tmp_path / "video.mp4"
    with source.open("wb") as out:
        for _ in range(24):
            out.write(os.urandom(CHUNK))  # 6 MiB, never held whole by this test
    tracemalloc.start()
    try:
        bucket.put_file("videos/1/a_2.mp4", source, "video/mp4")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * CHUNK, f"peak {peak:,} bytes for a {source.stat().st_size:,}-byte file"
    assert bucket.stat("videos/1/a_2.mp4").size == source.stat().st_size  # type: ignore[union-attr]


def test_bytes_missing_objects_and_delete(bucket: GcsStorage) -> None:
    bucket.put_bytes("uploads/2/x_y.png", b"png bytes", "image/png")
    assert bucket.exists("uploads/2/x_y.png")
    assert bucket.read_bytes("uploads/2/x_y.png") == b"png bytes"
    bucket.delete("uploads/2/x_y.png")
    bucket.delete("uploads/2/x_y.png")  # already gone: fine
    assert bucket.stat("uploads/2/x_y.png") is None
    with pytest.raises(NotFound):
        bucket.open("uploads/2/x_y.png")
    with pytest.raises(storage.InvalidKey):
        bucket.put_bytes("../escape", b"", "text/plain")


def test_public_urls_are_the_seeds(gcs: GcsEmulator) -> None:
    backend = GcsStorage("my-bucket", client=storage.get_storage().client)  # type: ignore[attr-defined]
    assert (
        backend.public_url("uploads/123/abc-123_image.jpg")
        == "https://storage.googleapis.com/my-bucket/uploads/123/abc-123_image.jpg"
    )


def test_signed_urls_when_configured(bucket: GcsStorage, gcs: GcsEmulator) -> None:
    signer = service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "client_email": "portal@test-project.iam.gserviceaccount.com",
            "private_key": _private_key_pem(),
            "token_uri": "https://oauth2.googleapis.com/token",
            "project_id": "test-project",
        }
    )
    signed = GcsStorage(
        gcs.bucket,
        client=bucket.client,
        public_base_url=gcs.url,
        signed_url_minutes=15,
        signing_credentials=signer,
    )
    signed.put_bytes("uploads/1/s_photo.jpg", b"jpeg", "image/jpeg")
    url = signed.url("uploads/1/s_photo.jpg")
    assert "X-Goog-Signature=" in url and "X-Goog-Expires=900" in url
    assert signed.public_url("uploads/1/s_photo.jpg") in url  # same object, plus a signature
    assert httpx.get(url).content == b"jpeg"


def _private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


# --- storage migrate --to gcs ------------------------------------------------------------


@pytest.fixture
def local_media(sqlite_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


def _local_library(user_id: int) -> dict[str, object]:
    """Two photos through the upload service (each with its thumbnail), a video with
    thumbnail, one external URL."""
    local = storage.local_storage()
    with session_scope() as session:
        photo_ids = [
            images.save_upload(session, user_id, name, data).image.id
            for name, data in (("a.jpg", samples.jpeg()), ("b.png", samples.png()))
        ]
        video_key = storage.video_key(user_id)
        local.put_bytes(video_key, os.urandom(3 * CHUNK + 7), "video/mp4")
        local.put_bytes(storage.thumbnail_key(video_key), samples.jpeg(), "image/jpeg")
        video = Video(
            user_id=user_id,
            model="local-draft",
            duration=4,
            status=VideoStatus.completed.value,
            file_path=video_key,
            video_url=local.public_url(video_key),
            thumbnail_url=local.public_url(storage.thumbnail_key(video_key)),
        )
        elsewhere = Video(
            user_id=user_id,
            model="sora-2",
            duration=4,
            video_url="https://cdn.example/media/videos/9/zzz_1.mp4",
        )
        session.add_all([video, elsewhere])
        session.flush()
        return {"photos": photo_ids, "video": video.id, "elsewhere": elsewhere.id}


def test_migrate_copies_everything_rewrites_urls_and_reruns_cleanly(
    local_media: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.factories import funded_user

    user_id = funded_user()
    ids = _local_library(user_id)
    local = storage.local_storage()
    keys = list(local.all_keys())
    assert len(keys) == 6
    assert sum(key.endswith(".thumb.jpg") for key in keys) == 2  # the photos' thumbnails

    with configured(monkeypatch) as emulator:
        bucket = storage.gcs_storage()
        # A run that stopped half-way: one object fully there, one cut short.
        bucket.put_file(keys[0], local.path(keys[0]), storage.content_type_for(keys[0]))
        bucket.put_bytes(keys[1], b"partial", "application/octet-stream")

        assert cli.main(["storage", "migrate", "--to", "gcs"]) == 0
        out = capsys.readouterr().out
        assert "done: 5 copied, 1 already in the bucket, 4 URLs rewritten" in out
        for key in keys[1:]:
            assert f"copied {key}" in out
        for key in keys:
            assert bucket.read_bytes(key) == local.path(key).read_bytes()

        with session_scope() as session:
            photos = [session.get(UploadedImage, i) for i in ids["photos"]]  # type: ignore[union-attr]
            video = session.get(Video, ids["video"])
            elsewhere = session.get(Video, ids["elsewhere"])
        urls = [p.storage_url for p in photos] + [video.video_url, video.thumbnail_url]  # type: ignore[union-attr]
        for url in urls:
            assert url.startswith(f"{emulator.url}/{emulator.bucket}/")
            assert httpx.get(url).status_code == 200
        assert elsewhere.video_url == "https://cdn.example/media/videos/9/zzz_1.mp4"  # type: ignore[union-attr]

        # The real command, run again: nothing to do.
        again = run_cli("storage", "migrate", "--to", "gcs")
        assert again.returncode == 0, again.stderr
        assert "done: 0 copied, 6 already in the bucket, 0 URLs rewritten" in again.stdout

        # With the backend switched to GCS, the services read from the bucket, thumbnails too.
        with session_scope() as session:
            photo = images.get_owned(session, user_id, ids["photos"][0])
            assert images.read_bytes(photo) == local.path(photo.file_path).read_bytes()
            for photo in photos:
                thumbnail = httpx.get(images.thumbnail_url_for(photo))  # type: ignore[arg-type]
                assert thumbnail.status_code == 200
                assert thumbnail.headers["content-type"] == "image/jpeg"
                assert thumbnail.url.path.endswith(".thumb.jpg")
                assert str(thumbnail.url).startswith(f"{emulator.url}/{emulator.bucket}/")


def test_migrate_needs_a_bucket(local_media: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["storage", "migrate", "--to", "gcs"]) == 2
    assert "GCS_BUCKET_NAME" in capsys.readouterr().err
