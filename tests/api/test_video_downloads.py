"""GET /api/v1/videos/{id}/download: the clip card's Download button. It counts one
`video_downloads` row for the owner's finished clip and redirects to the file as an
attachment: the media route (local storage) or the bucket (GCS, through the real client
against the emulator). Other users' clips are 404, unfinished ones 409; neither counts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from google.oauth2 import service_account
from sqlalchemy import select

from tests.api.conftest import assert_error, bearer, make_user
from tests.emulators.gcs import configured
from tests.support import samples
from v4a_portal.db import session_scope
from v4a_portal.models import User, Video, VideoDownload, VideoStatus
from v4a_portal.services import storage
from v4a_portal.services.auth import web_sessions
from v4a_portal.services.storage.gcs import GcsStorage
from v4a_portal.services.storage.local import LocalStorage

CLIP = bytes(range(256)) * 8  # 2 KiB, every offset distinguishable


def _clip(user: User, status: VideoStatus = VideoStatus.completed, *, stored: bool = True) -> int:
    """A clip of `user`; a finished one has its file in the configured storage."""
    assert user.id is not None
    key = storage.video_key(user.id) if status == VideoStatus.completed else None
    if key and stored:
        storage.get_storage().put_bytes(key, CLIP, "video/mp4")
    with session_scope() as session:
        video = Video(
            user_id=user.id, model="draft", duration=4, status=status.value, file_path=key
        )
        session.add(video)
        session.flush()
        assert video.id is not None
        return video.id


def _downloads() -> list[tuple[int, int | None, str]]:
    with session_scope() as session:
        rows = session.execute(
            select(VideoDownload.video_id, VideoDownload.user_id, VideoDownload.source)
        )
        return [(r.video_id, r.user_id, r.source) for r in rows]


def _path(video_id: int) -> str:
    return f"/api/v1/videos/{video_id}/download"


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


def _downloaded_once(client: TestClient) -> tuple[int, str]:
    """A new user's finished clip through the download route: one `button` row is written
    and the answer is a redirect. The clip's id and where the redirect goes."""
    user = make_user()
    video_id = _clip(user)
    response = client.get(_path(video_id), headers=bearer(user))
    assert response.status_code == 303, response.text
    assert _downloads() == [(video_id, user.id, "button")]
    return video_id, response.headers["location"]


def test_a_download_is_counted_once_and_redirects_to_the_file(
    db_client: TestClient, media: Path
) -> None:
    video_id, target = _downloaded_once(db_client)
    assert urlsplit(target).path.startswith("/media/videos/")
    served = db_client.get(target)
    assert served.status_code == 200 and served.content == CLIP
    disposition = served.headers["content-disposition"]
    assert disposition == f'attachment; filename="v4a-clip-{video_id}.mp4"'
    # Following the redirect, resuming it or asking again for its headers counts nothing more.
    db_client.get(target, headers={"Range": "bytes=1024-"})
    db_client.head(target)
    assert len(_downloads()) == 1


def test_the_session_cookie_is_enough(api_client: TestClient, media: Path) -> None:
    user = make_user()
    assert user.id is not None
    video_id = _clip(user)
    with session_scope() as session:
        api_client.cookies.set(web_sessions.COOKIE_NAME, web_sessions.start(session, user.id))
    assert api_client.get(_path(video_id)).status_code == 303
    assert _downloads() == [(video_id, user.id, "button")]


def test_no_one_else_downloads_a_clip(api_client: TestClient, media: Path) -> None:
    owner, other = make_user(name="Owner"), make_user(name="Other")
    video_id = _clip(owner)
    assert_error(api_client.get(_path(video_id), headers=bearer(other)), 404, "not_found")
    assert_error(api_client.get(_path(424242), headers=bearer(other)), 404, "not_found")
    assert_error(api_client.get(_path(video_id)), 401, "not_authenticated")
    assert _downloads() == []


@pytest.mark.parametrize(
    "status", [VideoStatus.pending, VideoStatus.processing, VideoStatus.failed]
)
def test_an_unfinished_clip_is_409_and_not_counted(
    api_client: TestClient, media: Path, status: VideoStatus
) -> None:
    user = make_user()
    video_id = _clip(user, status)
    error = assert_error(api_client.get(_path(video_id), headers=bearer(user)), 409)
    assert error["code"] == "video_not_ready" and status.value in error["message"]
    assert _downloads() == []


def test_save_as_names_the_file_safely_and_counts_nothing(
    api_client: TestClient, media: Path
) -> None:
    user = make_user()
    video_id = _clip(user)
    with session_scope() as session:
        video = session.get(Video, video_id)
        assert video is not None and video.file_path
        key = video.file_path
    served = api_client.get(f"/media/{key}", params={"save_as": '../x"; evil.html'})
    assert served.status_code == 200 and served.content == CLIP
    assert served.headers["content-disposition"] == 'attachment; filename="x_evil.mp4"'
    assert _downloads() == []
    # Links made before the button's route still count through the media route.
    api_client.get(f"/media/{key}?download=1")
    assert _downloads() == [(video_id, user.id, "media")]


def test_the_docs_describe_the_route(api_client: TestClient) -> None:
    spec = api_client.get("/api/openapi.json").json()
    route = spec["paths"]["/api/v1/videos/{video_id}/download"]["get"]
    assert route["summary"] and "409" in route["description"]
    assert "303" in route["responses"]


# --- GCS: the bucket serves the file ------------------------------------------------------


def _signer() -> service_account.Credentials:
    """A service-account key made up for the test: the emulator does not check signatures,
    but the client signs with it as it would in production."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return service_account.Credentials.from_service_account_info(
        {
            "type": "service_account",
            "client_email": "portal@test-project.iam.gserviceaccount.com",
            "private_key": pem,
            "token_uri": "https://oauth2.googleapis.com/token",
            "project_id": "test-project",
        }
    )


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "public"])
def test_with_gcs_the_redirect_fetches_the_clip_from_the_bucket(
    api_client: TestClient, media: Path, monkeypatch: pytest.MonkeyPatch, signed: bool
) -> None:
    with configured(monkeypatch) as emulator:
        bucket = storage.get_storage()
        assert isinstance(bucket, GcsStorage)
        if signed:
            # The settings' backend signs through IAM on Google Cloud; here with a key.
            bucket = GcsStorage(
                emulator.bucket,
                client=bucket.client,
                public_base_url=emulator.url,
                signed_url_minutes=15,
                signing_credentials=_signer(),
            )
            monkeypatch.setattr(storage, "get_storage", lambda: bucket)
        video_id, target = _downloaded_once(api_client)
        assert target.startswith(f"{emulator.url}/{emulator.bucket}/videos/")
        fetched = httpx.get(target)
        assert fetched.status_code == 200 and fetched.content == CLIP
        if signed:
            assert "X-Goog-Signature=" in target
            disposition = fetched.headers["content-disposition"]
            assert disposition == f'attachment; filename="v4a-clip-{video_id}.mp4"'
        assert samples.files_under(media) == []  # nothing went to the local folder
        assert len(_downloads()) == 1


def test_with_gcs_an_unfinished_clip_counts_nothing(
    api_client: TestClient, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with configured(monkeypatch):
        user = make_user()
        video_id = _clip(user, VideoStatus.processing)
        assert_error(api_client.get(_path(video_id), headers=bearer(user)), 409)
        assert _downloads() == []


def test_a_clip_whose_url_cannot_be_made_counts_nothing(
    api_client: TestClient, media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    video_id = _clip(user)

    def cannot_sign(self: LocalStorage, key: str, filename: str) -> str:
        raise RuntimeError("signing failed")  # as IAM signBlob may, on Google Cloud

    monkeypatch.setattr(LocalStorage, "download_url", cannot_sign)
    with TestClient(api_client.app, raise_server_exceptions=False) as client:
        assert_error(client.get(_path(video_id), headers=bearer(user)), 500, "internal_error")
    assert _downloads() == []


@pytest.mark.parametrize(
    ("headers", "counted"),
    [
        ({"Sec-Fetch-Site": "same-origin"}, True),
        ({"Sec-Fetch-Site": "none"}, True),  # typed in, or a bookmark
        ({"Sec-Fetch-Site": "cross-site"}, False),
        ({"Sec-Fetch-Site": "same-site"}, False),
        ({"Referer": "https://elsewhere.example/page"}, False),
    ],
)
def test_a_link_on_another_site_gets_the_file_but_counts_nothing(
    api_client: TestClient, media: Path, headers: dict[str, str], counted: bool
) -> None:
    user = make_user()
    assert user.id is not None
    video_id = _clip(user)
    with session_scope() as session:
        api_client.cookies.set(web_sessions.COOKIE_NAME, web_sessions.start(session, user.id))
    assert api_client.get(_path(video_id), headers=headers).status_code == 303
    with session_scope() as session:
        key = session.get(Video, video_id).file_path  # type: ignore[union-attr]
    assert api_client.get(f"/media/{key}?download=1", headers=headers).status_code == 200
    expected = [(video_id, user.id, "button"), (video_id, user.id, "media")] if counted else []
    assert sorted(_downloads()) == expected
