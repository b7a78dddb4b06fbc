"""Clip cards kept live by the worker's Redis messages: the part the Studio and the Library
share (mix into a page state), with cancel.

One background loop per tab and page state (`supersedes`: a newer one cancels the older)
subscribes to the user's progress channel FIRST and reads the clips' rows once SECOND, so
no message falls between the two; then it applies each message under the state lock,
briefly, and pushes the change to the browser. No database polling per update: only a
re-read after a quiet spell, as the SSE route does, since pub/sub drops messages when
Redis restarts.

A page that lists the user's newest clips (`_new_clips_limit`) also adds clips ordered
while it is open (by another tab, the API or staff): each new clip's first message says
`created`, and the loop reads that one card and follows it. Such a page keeps its loop
while it stays open, asleep on the shared subscription until a message comes; any other
page's loop stops when no clip on it is active. Every loop stops when the tab moved to
another page or closed, or when another user signed in on it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import reflex as rx
from redis.exceptions import RedisError
from reflex.event import EventSpec

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import progress, videos
from v4a_portal.services.errors import Conflict
from v4a_portal.state import clients, messages
from v4a_portal.state.auth import AuthState
from v4a_portal.state.clip_cards import (
    ClipCard,
    ClipEvent,
    apply_events,
    cards_for,
    owned_cards,
)
from v4a_portal.state.service_call import call, row_id

logger = logging.getLogger(__name__)

BURST = 50  # messages already waiting are applied together, under one lock
_DRAIN_SECONDS = 0.002
# How often a loop asks whether its tab is still connected (see clients.Presence).
PRESENCE_SECONDS = 2.0


def _snapshot(user_id: int, video_ids: list[int]) -> list[ClipEvent]:
    """The clips' rows now, as progress messages (the same fields)."""
    with session_scope() as session:
        return [_as_event(card) for card in owned_cards(session, user_id, video_ids)]


def _new_cards(user_id: int, after_id: int, video_ids: list[int], limit: int) -> list[ClipCard]:
    """Cards of the user's clips new to a page: these ids, or (none given) every clip
    ordered after `after_id`, the newest the page read, at most `limit`."""
    with session_scope() as session:
        if video_ids:
            return owned_cards(session, user_id, video_ids)
        return cards_for(session, user_id, videos.created_after(session, user_id, after_id, limit))


def _as_event(card: ClipCard) -> ClipEvent:
    return {
        "video_id": card.id,
        "status": card.status,
        "progress": card.progress,
        "error_message": card.error,
        "video_url": card.video_url,
        "thumbnail_url": card.poster_url if card.video_url else "",
        "refunded": card.refunded,
    }


def _cancel(user_id: int, video_id: int) -> tuple[list[ClipCard], str]:
    """Cancel and read the card back; a clip that finished meanwhile is shown as it is."""
    try:
        videos.cancel(user_id, video_id)
        note = ""
    except Conflict as finished:
        note = messages.error_text(finished)
    with session_scope() as session:
        return owned_cards(session, user_id, [video_id]), note


async def _burst(listener: progress.AsyncListener, timeout: float) -> list[ClipEvent]:
    """The next message (waiting up to `timeout`) and any already queued behind it."""
    first = await listener.get(timeout)
    if first is None:
        return []
    found: list[ClipEvent] = [first]
    while len(found) < BURST and (event := await listener.get(_DRAIN_SECONDS)) is not None:
        found.append(event)
    return found


class LiveClips(rx.State, mixin=True):
    """Mix into a page state (with AuthState) that fills `clips`; `watch_clips` keeps them
    current while the page is open."""

    clips: rx.Field[list[ClipCard]] = rx.field(default_factory=list)
    clips_error: str = ""

    if TYPE_CHECKING:  # AuthState's, which every state this is mixed into extends

        async def _signed_in(self) -> User | None: ...

        def _bounce(self, user: User | None, permission: str = "") -> EventSpec | None: ...

    def _active_ids(self) -> list[int]:
        return [card.id for card in self.clips if card.active]

    def _new_clips_limit(self) -> int:
        """How many cards this page shows when it adds clips ordered while it is open; 0:
        it adds none (the page's say: an older page, another filter)."""
        return 0

    def _takes_new(self, card: ClipCard) -> bool:
        """Whether a clip new to the user belongs on this page (a status filter's say)."""
        return True

    def _took_new(self, count: int) -> None:
        """`count` cards were added on top (a page that counts its clips adds them)."""

    def _apply(self, events: list[ClipEvent]) -> bool:
        """Apply messages to the cards; True when one ended in a refund."""
        updated, refunded = apply_events(self.clips, events)
        if updated != self.clips:  # others' clips and repeats send the browser nothing
            self.clips = updated
        return refunded

    def _add_new(self, cards: list[ClipCard]) -> bool:
        """Put clips new to the page on top, newest first; True when any was added."""
        limit = self._new_clips_limit()
        known = {card.id for card in self.clips}
        new = sorted(
            (card for card in cards if card.id not in known and self._takes_new(card)),
            key=lambda card: card.id,
            reverse=True,
        )
        if not limit or not new:
            return False
        self.clips = (new + self.clips)[: max(limit, len(new))]
        self._took_new(len(new))
        return True

    async def _watcher(self) -> tuple[int, str, str] | None:
        """(user id, tab, page) this loop serves; None when there is nothing to watch.

        The session is checked once here; on every wake after that the loop checks that the
        tab still serves the same user (any other handler that finds a different user
        resets every page state) and the same page.
        """
        user = await self._signed_in()
        if user is None or user.id is None:
            return None
        if not self._active_ids() and not self._new_clips_limit():
            return None
        return user.id, self.router.session.client_token, self.router.route_id

    async def _still_serving(self, user_id: int, route: str) -> bool:
        auth = await self.get_state(AuthState)
        return auth._user_id == user_id and self.router.route_id == route

    @rx.event(background=True, supersedes=True)
    async def watch_clips(self):
        """Started by the page's loader or by Generate; see above."""
        async with self:
            watching = await self._watcher()
        if watching is None:
            return
        user_id, token, route = watching
        tab = clients.Presence(token, every=PRESENCE_SECONDS)
        try:
            async with progress.listen_async(user_id) as listener:
                async with self:
                    ids = self._active_ids()
                    limit = self._new_clips_limit()
                    newest = max((card.id for card in self.clips), default=0)
                events = await asyncio.to_thread(_snapshot, user_id, ids)
                # Clips ordered between the page's read and the subscription.
                new = (
                    await asyncio.to_thread(_new_cards, user_id, newest, [], limit) if limit else []
                )
                heard = time.monotonic()  # news of these clips: others' does not count
                # A loop this one superseded may have been cancelled between a card's refund
                # and the balance's re-read: the first pass re-reads it when a card shows one.
                first = True
                while True:
                    async with self:
                        if not await self._still_serving(user_id, route):
                            return
                        added = self._add_new(new)
                        refunded = self._apply(events) or (
                            first and any(card.refunded for card in self.clips)
                        )
                        first = False
                        if refunded or added:
                            # The header's balance, re-read in the same update as the cards.
                            # Not a chained event: Reflex cancels those with this loop when
                            # a newer one supersedes it, and the header would stay stale.
                            await self._signed_in()
                        ids = self._active_ids()
                        limit = self._new_clips_limit()
                        known = {card.id for card in self.clips}
                    if not ids and not limit:
                        return
                    if ids:
                        left = progress.QUIET_SECONDS - (time.monotonic() - heard)
                    else:  # asleep until a new clip: wakes only to see the tab is still here
                        left, heard = progress.QUIET_SECONDS, time.monotonic()
                    events = await _burst(listener, left) if left > 0 else []
                    if tab.gone():
                        return
                    created = [
                        event["video_id"]
                        for event in events
                        if event.get("created") and event.get("video_id") not in known
                    ]
                    new = (
                        await asyncio.to_thread(_new_cards, user_id, 0, created, limit)
                        if created and limit
                        else []
                    )
                    if any(event.get("video_id") in ids for event in events):
                        heard = time.monotonic()
                    elif ids and time.monotonic() - heard >= progress.QUIET_SECONDS:
                        # Quiet for these clips: did pub/sub drop one (a Redis restart)?
                        events = await asyncio.to_thread(_snapshot, user_id, ids)
                        heard = time.monotonic()
        except (RedisError, OSError):
            logger.warning("live progress unavailable for user %s", user_id, exc_info=True)
            async with self:
                self.clips_error = messages.LIVE_UNAVAILABLE

    @rx.event
    async def cancel_clip(self, video_id: int) -> EventSpec | None:
        """Cancel one of the user's queued or running clips; it is refunded at once."""
        user = await self._signed_in()
        if user is None or user.id is None:
            return self._bounce(user)
        video_id = row_id(video_id)
        if not video_id:
            return None
        found, self.clips_error = await call(
            _cancel, user.id, video_id, unexpected=messages.CANCEL_CRASHED
        )
        if found is not None:
            cards, self.clips_error = found
            fresh = {card.id: card for card in cards}
            self.clips = [fresh.get(card.id, card) for card in self.clips]
        await self._signed_in()  # the refund, in the header
        return None
