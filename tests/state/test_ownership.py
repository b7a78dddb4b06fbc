"""Studio and Library handlers: an id sent by the browser that is not the user's own
resolves like a missing one, and nothing changes. (The browser can send any id.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.state.handlers import run, signed_in_as, state_of
from tests.support import samples
from tests.support.factories import funded_user
from v4a_portal.db import session_scope
from v4a_portal.models import UploadedImage
from v4a_portal.services import images, scripts
from v4a_portal.state import messages
from v4a_portal.state.library import LibraryState
from v4a_portal.state.studio import StudioState


@pytest.fixture
def media(sqlite_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


def _photo_of(user_id: int) -> int:
    with session_scope() as session:
        image = images.save_upload(session, user_id, "mine.jpg", samples.jpeg()).image
        assert image.id is not None
        return image.id


def _images() -> int:
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(UploadedImage)).scalar_one()


def test_studio_will_not_open_another_users_photo(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = _photo_of(funded_user())
    signed_in_as(monkeypatch, funded_user())
    state = state_of(StudioState)

    run(state.choose_photo(theirs))

    assert state.photo.id == 0 and state.photo.url == ""
    assert state.photo_error == messages.NOT_FOUND


def test_studio_opens_the_users_own_photo(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    me = funded_user()
    mine = _photo_of(me)
    signed_in_as(monkeypatch, me)
    state = state_of(StudioState)

    run(state.choose_photo(mine))

    assert state.photo.id == mine and "/media/uploads/" in state.photo.url
    assert state.photo_error == ""


def test_library_will_not_delete_another_users_photo(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = funded_user(credits=10)
    theirs = _photo_of(owner)
    scripts.generate(owner, scripts.ScriptRequest(theirs, "Mug"))
    signed_in_as(monkeypatch, funded_user())
    state = state_of(LibraryState)

    run(state.delete_photo(theirs))

    assert state.error == messages.NOT_FOUND
    assert state.status == ""
    assert state.photos == []  # the reload lists only the signed-in user's photos
    assert _images() == 1
    assert len(samples.files_under(media)) == 2  # the photo and its thumbnail


@pytest.mark.parametrize("bogus", ["abc", "", "-1", "99999999999999999999999"])
def test_library_ignores_ids_that_are_not_ids(
    media: Path, monkeypatch: pytest.MonkeyPatch, bogus: str
) -> None:
    _photo_of(funded_user())
    signed_in_as(monkeypatch, funded_user())
    state = state_of(LibraryState)

    run(state.delete_photo(bogus))  # type: ignore[arg-type]

    assert _images() == 1
    assert state.error == "" and state.status == ""
