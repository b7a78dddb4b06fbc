"""The live progress loop as a handler, with a scripted progress channel: it subscribes
before it reads the rows, applies each message, re-reads the balance after a refund, adds
the clips ordered while the page is open, and stops when the tab closes, serves another user
or (on a page that adds no new clips) nothing is active."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from tests.state.handlers import run, signed_in_as, state_of
from tests.support import samples
from tests.support.factories import funded_user
from tests.support.videos import photo
from v4a_portal.services import progress, videos
from v4a_portal.services.videos import transitions
from v4a_portal.state import live_clips
from v4a_portal.state.auth import AuthState
from v4a_portal.state.library_videos import LibraryVideosState
from v4a_portal.state.studio_video import StudioVideoState


@pytest.fixture
def media(
    sqlite_db: str, redis_conn: Redis, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Path]:
    with samples.fresh_media_dir(monkeypatch, tmp_path) as root:
        yield root


class Channel:
    """Stands in for progress.listen_async: hands out `messages` in order (None: nothing
    came in time; a callable: called, and what it returns), then silence, after which the
    tab is gone."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, messages: list[Any]) -> None:
        self.log: list[str] = []
        self.messages = messages
        snapshot = live_clips._snapshot

        def logged_snapshot(*args: Any) -> Any:
            self.log.append("snapshot")
            return snapshot(*args)

        monkeypatch.setattr(progress, "listen_async", self.listen)
        monkeypatch.setattr(live_clips, "_snapshot", logged_snapshot)
        monkeypatch.setattr(live_clips, "PRESENCE_SECONDS", 0)
        monkeypatch.setattr(live_clips.clients, "connected", lambda token: not self.silent)
        self.silent = False

    @asynccontextmanager
    async def listen(self, user_id: int) -> AsyncIterator[Channel]:
        self.log.append(f"subscribe {user_id}")
        try:
            yield self
        finally:
            self.log.append("unsubscribe")

    async def get(self, timeout: float) -> dict[str, Any] | None:
        if not self.messages:
            # (Not the loop draining a burst: a wait for the next message.)
            self.silent = self.silent or timeout > live_clips._DRAIN_SECONDS
            return None
        message = self.messages.pop(0)
        return message() if callable(message) else message


def _watch(state: Any, cls: Any = StudioVideoState) -> None:
    assert run(cls.watch_clips.fn(state)) is None  # it chains no event: see the header test


def _header_credits(state: Any) -> int:
    return int(run(state.get_state(AuthState)).credits)


def _queued_clip(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, StudioVideoState]:
    me = funded_user(50)
    (clip,) = videos.request(me, photo(me), None, "p", "draft", 4, "720x1280").video_ids
    signed_in_as(monkeypatch, me)
    state = state_of(StudioVideoState)
    run(state.open_video_step())
    return me, clip, state


def _running(clip: int, percent: int) -> dict[str, Any]:
    return {"video_id": clip, "status": "processing", "progress": percent}


def test_subscribes_first_applies_messages_and_reads_the_refund(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, clip, state = _queued_clip(monkeypatch)
    assert _header_credits(state) == 46  # the debit

    def fails() -> dict[str, Any]:
        finished = transitions.fail(clip, "broke", "Broke.")  # refunded, in the database
        assert finished is not None
        return {**finished.payload, "progress": 30}

    channel = Channel(monkeypatch, [_running(clip, 30), _running(999, 50), fails])

    _watch(state)

    assert channel.log == [f"subscribe {me}", "snapshot", "unsubscribe"]
    (card,) = state.clips
    assert (card.status, card.error, card.refunded, card.progress) == ("failed", "Broke.", True, 30)
    # The header reads the refunded balance in the same update as the card, not in a chained
    # event (Reflex cancels those with the loop when a newer loop supersedes it).
    assert _header_credits(state) == 50


def test_a_lost_message_is_read_back_while_other_clips_chatter(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clip ends but its message never comes (pub/sub lost it), while messages about
    another of the user's clips keep coming: the loop re-reads its own clips' rows after a
    quiet spell of theirs, not only when the whole channel goes quiet."""
    me, clip, state = _queued_clip(monkeypatch)
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.2)

    def canceled_unheard() -> dict[str, Any]:
        videos.cancel(me, clip)  # its message goes to Redis, not to this fake channel
        return _running(999, 1)

    def other_clip(percent: int) -> Any:
        def later() -> dict[str, Any]:
            time.sleep(0.02)
            return _running(999, percent)

        return later

    seen: list[str] = []

    def look() -> dict[str, Any]:
        seen.append(state.clips[0].status)
        return _running(999, 1)

    chatter = [other_clip(n) for n in range(2, 200)]  # about 4 s of another clip's news
    channel = Channel(monkeypatch, [canceled_unheard, *chatter[:100], look, *chatter[100:]])

    _watch(state)

    assert state.clips[0].status == "canceled" and state.clips[0].refunded
    assert channel.log.count("snapshot") == 2  # the first read and the one after the quiet
    assert seen == ["canceled"]  # read back long before the chatter stopped


def test_stops_when_the_tab_serves_another_user(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, clip, state = _queued_clip(monkeypatch)
    auth = run(state.get_state(AuthState))

    def someone_else_signs_in() -> dict[str, Any]:
        auth._user_id = -1
        return _running(clip, 80)

    # (None: a pause, so the first message is applied on its own.)
    channel = Channel(monkeypatch, [_running(clip, 40), None, someone_else_signs_in])

    _watch(state)
    assert channel.log[-1] == "unsubscribe"
    assert state.clips[0].progress == 40  # nothing applied for the other user


def test_a_clip_ordered_elsewhere_appears_and_is_followed(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing active on the Studio, yet it listens: a clip ordered elsewhere (another tab,
    the API, staff) comes with `created`; the loop reads that card, puts it on top and
    follows it to its end; other clips' news reads nothing."""
    me, clip, state = _queued_clip(monkeypatch)
    videos.cancel(me, clip)
    run(state.open_video_step())
    ordered: list[int] = []

    def ordered_elsewhere() -> dict[str, Any]:
        (new,) = videos.request(me, photo(me), None, "q", "draft", 4, "720x1280").video_ids
        ordered.append(new)
        return {"video_id": new, "status": "pending", "progress": 0, "created": True}

    def done() -> dict[str, Any]:
        return {
            "video_id": ordered[0],
            "status": "completed",
            "progress": 100,
            "video_url": "/media/v.mp4",
            "thumbnail_url": "/media/v.jpg",
        }

    channel = Channel(
        monkeypatch,
        [_running(999, 5), ordered_elsewhere, lambda: _running(ordered[0], 60), done],
    )

    _watch(state)

    assert [card.id for card in state.clips] == [ordered[0], clip]
    top = state.clips[0]
    assert (top.status, top.progress, top.video_url) == ("completed", 100, "/media/v.mp4")
    assert _header_credits(state) == 46  # the debit of the clip ordered elsewhere
    assert channel.log == [f"subscribe {me}", "snapshot", "unsubscribe"]


def test_a_clip_ordered_before_the_subscription_is_not_missed(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Library read its page, then a clip was ordered before the loop subscribed (its
    `created` message went to nobody): the loop's first read finds it."""
    me = funded_user(50)
    (first,) = videos.request(me, photo(me), None, "p", "draft", 4, "720x1280").video_ids
    videos.cancel(me, first)
    signed_in_as(monkeypatch, me)
    state = state_of(LibraryVideosState)
    assert run(state._reload()) is not None  # page 1 of every clip: it listens
    (later,) = videos.request(me, photo(me), None, "q", "draft", 4, "720x1280").video_ids
    Channel(monkeypatch, [])

    _watch(state, LibraryVideosState)
    assert [card.id for card in state.clips] == [later, first] and state.total == 2
    assert _header_credits(state) == 46  # its debit, in the header


def test_a_page_that_adds_no_clips_stops_when_nothing_is_active(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    me = funded_user(50)
    (clip,) = videos.request(me, photo(me), None, "p", "draft", 4, "720x1280").video_ids
    videos.cancel(me, clip)
    signed_in_as(monkeypatch, me)
    state = state_of(LibraryVideosState)
    state.status_filter = "canceled"  # a new clip is never canceled: nothing to add
    assert run(state._reload()) is None
    channel = Channel(monkeypatch, [])

    _watch(state, LibraryVideosState)
    assert channel.log == []
