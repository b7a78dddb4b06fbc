"""GET /media/{key}: local files with their content type, Range (video seeking), year-long
caching, and no way to reach anything outside the media folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error
from tests.support import samples
from v4a_portal.services import storage

VIDEO = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable
VIDEO_KEY = "videos/1/0b6c5c1e-5d3a-4a8e-9d0b-1a2b3c4d5e6f_1700000000.mp4"
PHOTO_KEY = "uploads/1/0b6c5c1e-5d3a-4a8e-9d0b-1a2b3c4d5e6f_photo.webp"


@pytest.fixture
def media(
    api_client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        local = storage.local_storage()
        local.put_bytes(VIDEO_KEY, VIDEO, "video/mp4")
        local.put_bytes(PHOTO_KEY, samples.webp(), "image/webp")
        (tmp_path / "data" / "secret.txt").write_text("top secret")
        yield root


def test_whole_file_with_type_and_cache_headers(api_client: TestClient, media: Path) -> None:
    response = api_client.get(f"/media/{VIDEO_KEY}")
    assert response.status_code == 200
    assert response.content == VIDEO
    assert response.headers["content-type"] == "video/mp4"
    assert response.headers["content-length"] == "1024"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["etag"]

    photo = api_client.get(f"/media/{PHOTO_KEY}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/webp"


def test_the_url_the_storage_hands_out_is_served(api_client: TestClient, media: Path) -> None:
    url = storage.get_storage().url(PHOTO_KEY)
    assert url.startswith("http://testserver/media/")
    assert api_client.get(url).content == storage.get_storage().read_bytes(PHOTO_KEY)


def test_head_has_headers_and_no_body(api_client: TestClient, media: Path) -> None:
    response = api_client.head(f"/media/{VIDEO_KEY}")
    assert response.status_code == 200
    assert response.headers["content-length"] == "1024"
    assert response.content == b""


@pytest.mark.parametrize(
    ("range_header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-199", 100, 199),
        ("bytes=1000-", 1000, 1023),
        ("bytes=-100", 924, 1023),  # suffix: the last 100 bytes
        ("bytes=1000-5000", 1000, 1023),  # end past the file is clipped
        ("bytes=-5000", 0, 1023),  # suffix longer than the file
    ],
)
def test_ranges(
    api_client: TestClient, media: Path, range_header: str, start: int, end: int
) -> None:
    response = api_client.get(f"/media/{VIDEO_KEY}", headers={"Range": range_header})
    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/1024"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.content == VIDEO[start : end + 1]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_several_ranges_come_as_multipart(api_client: TestClient, media: Path) -> None:
    response = api_client.get(f"/media/{VIDEO_KEY}", headers={"Range": "bytes=0-9,500-509"})
    assert response.status_code == 206
    assert response.headers["content-type"].startswith("multipart/byteranges")
    assert VIDEO[0:10] in response.content and VIDEO[500:510] in response.content


@pytest.mark.parametrize("range_header", ["bytes=1024-", "bytes=5000-6000"])
def test_unsatisfiable_range_is_416(api_client: TestClient, media: Path, range_header: str) -> None:
    response = api_client.get(f"/media/{VIDEO_KEY}", headers={"Range": range_header})
    assert response.status_code == 416
    assert response.headers["content-range"] == "bytes */1024"


@pytest.mark.parametrize("range_header", ["bytes=9-2", "items=0-5", "bytes"])
def test_malformed_range_is_refused(api_client: TestClient, media: Path, range_header: str) -> None:
    response = api_client.get(f"/media/{VIDEO_KEY}", headers={"Range": range_header})
    assert response.status_code == 400


def test_if_range_with_a_stale_etag_sends_the_whole_file(
    api_client: TestClient, media: Path
) -> None:
    headers = {"Range": "bytes=0-9", "If-Range": '"stale"'}
    response = api_client.get(f"/media/{VIDEO_KEY}", headers=headers)
    assert response.status_code == 200 and response.content == VIDEO


@pytest.mark.parametrize(
    "path",
    [
        "/media/..%2Fsecret.txt",
        "/media/%2E%2E/secret.txt",
        "/media/uploads/..%2F..%2Fsecret.txt",
        "/media/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/media/%2Fetc%2Fpasswd",
        "/media/uploads%5C..%5C..%5Csecret.txt",
        "/media/uploads/1/%00.webp",
        "/media/uploads/1/.tmp-abc",
        "/media/uploads",
        "/media/uploads/1",
        "/media/",
        "/media/uploads/1/missing.jpg",
    ],
)
def test_traversal_and_missing_files_are_404(
    api_client: TestClient, media: Path, path: str
) -> None:
    (media / "uploads" / "1" / ".tmp-abc").write_bytes(b"half a file")
    response = api_client.get(path)
    assert_error(response, 404, "not_found")
    assert b"secret" not in response.content


def test_a_symlink_out_of_the_folder_is_404(
    api_client: TestClient, media: Path, tmp_path: Path
) -> None:
    (media / "uploads" / "1" / "link.jpg").symlink_to(tmp_path / "data" / "secret.txt")
    assert_error(api_client.get("/media/uploads/1/link.jpg"), 404)


def test_media_needs_no_sign_in_but_only_get(api_client: TestClient, media: Path) -> None:
    # Capability URLs (a random UUID in every key), like the seed's public bucket.
    assert api_client.get(f"/media/{PHOTO_KEY}").status_code == 200
    assert api_client.post(f"/media/{PHOTO_KEY}").status_code == 405
    assert api_client.delete(f"/media/{PHOTO_KEY}").status_code == 405
