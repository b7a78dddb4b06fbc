"""The Studio's video step and the Library's videos, as handlers: prices from the catalog,
Generate debits and lists the new clips, cancel refunds, and ids from the browser that are
not the user's change nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.state.handlers import run, signed_in_as, state_of
from tests.support import samples
from tests.support.factories import funded_user
from tests.support.videos import photo, script
from v4a_portal.db import session_scope
from v4a_portal.models import User, Video
from v4a_portal.services import videos
from v4a_portal.state import messages
from v4a_portal.state.cards import PhotoCard
from v4a_portal.state.library_videos import LibraryVideosState
from v4a_portal.state.studio import NO_SCRIPT
from v4a_portal.state.studio_video import StudioVideoState


@pytest.fixture
def media(
    sqlite_db: str, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


def _studio(user_id: int, photo_id: int = 0) -> StudioVideoState:
    state = state_of(StudioVideoState)
    run(state.open_video_step())
    if photo_id:  # as StudioState.choose_photo leaves it, after its ownership check
        state.photo = PhotoCard(photo_id, "", "", "photo.jpg", "", "", "")
    return state


def _generate(state: StudioVideoState, form: dict[str, str]) -> Any:
    """A background handler's function, called as Reflex would from a click."""
    return StudioVideoState.generate.fn(state, form)


def _run_gen(handler):  # type: ignore[no-untyped-def]
    """Drive a handler that yields (an async generator) to its end; returns what it yielded."""

    async def drain():  # type: ignore[no-untyped-def]
        return [item async for item in handler]

    return run(drain())


def _credits(user_id: int) -> int:
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.credits


def _clips(user_id: int) -> list[Video]:
    with session_scope() as session:
        return videos.list_for(session, user_id)[0]


def test_the_price_follows_the_choices(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in_as(monkeypatch, funded_user(100))
    state = _studio(0)
    assert (state.model, state.duration, state.orientation, state.count) == (
        "draft",
        "4",
        "portrait",
        "1",
    )
    assert state.video_price == 4 and state.price_error == ""

    run(state.choose_duration("12"))
    run(state.choose_count("3"))
    assert state.video_price == 36
    run(state.choose_orientation(["landscape"]))  # a segmented control may send a list
    assert state.orientation == "landscape" and state.video_price == 36

    # Whatever the browser sends, only what the catalog offers is kept and priced.
    run(state.choose_model("sora-2-pro"))
    run(state.choose_duration("5"))
    run(state.choose_count("500"))
    assert (state.model, state.duration, state.count) == ("draft", "4", "9")
    assert state.video_price == 36


def test_generate_debits_and_shows_the_new_clips(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = funded_user(50)
    mine = photo(me)
    signed_in_as(monkeypatch, me)
    state = _studio(me, mine)
    run(state.choose_count("2"))

    follow_up = run(_generate(state, {"prompt": "A slow push-in"}))

    assert state.video_error == ""
    assert [card.status for card in state.clips] == ["pending", "pending"]
    assert {card.id for card in state.clips} == {v.id for v in _clips(me)}
    assert state.clips[0].photo_name == "mug.jpg" and state.clips[0].spec.startswith("4 s")
    assert _credits(me) == 42 and state.credits == 42  # the header follows
    assert follow_up is StudioVideoState.watch_clips  # the live updates start


def test_generate_uses_the_script_without_a_prompt(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = funded_user(50)
    mine = photo(me)
    signed_in_as(monkeypatch, me)
    state = _studio(me, mine)
    run(_generate(state, {"prompt": ""}))
    assert state.video_error == messages.PROMPT_NEEDED and _clips(me) == []

    state.script = dataclasses.replace(NO_SCRIPT, id=script(me, mine))
    run(_generate(state, {"prompt": ""}))

    (clip,) = _clips(me)
    assert clip.script_id == state.script.id and "steel mug" in clip.prompt


def test_generate_refuses_without_photo_or_credits(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = funded_user(3)
    signed_in_as(monkeypatch, me)
    state = _studio(me)
    run(_generate(state, {"prompt": "x"}))
    assert state.video_error == messages.PHOTO_NEEDED

    state.photo = PhotoCard(photo(me), "", "", "", "", "", "")
    run(_generate(state, {"prompt": "x"}))
    assert state.video_error == "This costs 4 credits and you have 3: 1 more needed."
    assert _clips(me) == [] and _credits(me) == 3


def test_generate_with_another_users_photo_changes_nothing(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = photo(funded_user())
    me = funded_user(50)
    signed_in_as(monkeypatch, me)
    state = _studio(me, theirs)

    run(_generate(state, {"prompt": "x"}))

    assert state.video_error == messages.NOT_FOUND
    assert state.clips == [] and _clips(me) == [] and _credits(me) == 50


def test_cancel_refunds_the_users_own_clip_only(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = funded_user(50)
    (theirs,) = videos.request(owner, photo(owner), None, "p", "draft", 4, "720x1280").video_ids
    me = funded_user(50)
    (mine,) = videos.request(me, photo(me), None, "p", "draft", 8, "720x1280").video_ids
    signed_in_as(monkeypatch, me)
    state = _studio(me)
    assert [card.id for card in state.clips] == [mine] and state.credits == 42

    run(state.cancel_clip(theirs))
    assert state.clips_error == messages.NOT_FOUND
    assert _clips(owner)[0].status == "pending" and _credits(owner) == 46

    run(state.cancel_clip(mine))
    (card,) = state.clips
    assert (card.status, card.refunded, card.active) == ("canceled", True, False)
    assert state.clips_error == "" and state.credits == 50 and _credits(me) == 50
    run(state.cancel_clip(mine))  # again: already over, said so, nothing refunded twice
    assert state.clips_error == "This clip is already canceled." and _credits(me) == 50


def test_library_lists_only_the_users_clips_by_status(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = funded_user(50)
    videos.request(other, photo(other), None, "p", "draft", 4, "720x1280")
    me = funded_user(50)
    ids = videos.request(me, photo(me), None, "p", "draft", 4, "720x1280", 3).video_ids
    videos.cancel(me, ids[0])
    signed_in_as(monkeypatch, me)
    state = state_of(LibraryVideosState)

    follow_up = run(state._reload())
    assert [card.id for card in state.clips] == ids[::-1] and state.total == 3
    assert follow_up is not None  # two are active: the live updates start

    for status, expected in (("canceled", ids[:1]), ("active", ids[:0:-1]), ("failed", [])):
        for _ in _run_gen(state.filter_by(status)):
            pass
        assert [card.id for card in state.clips] == expected, status
    for _ in _run_gen(state.filter_by("everything; drop table")):
        pass
    assert state.status_filter == "failed"
