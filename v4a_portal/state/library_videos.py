"""The Library's videos: every clip of the user, newest first, filtered by status, paged on
the server, with its photo and script, and the active ones kept live (state/live_clips.py).
"""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.db import session_scope
from v4a_portal.models import ACTIVE_STATUSES, VideoStatus
from v4a_portal.services import videos
from v4a_portal.state.address_bar import show_in_url
from v4a_portal.state.auth import AuthState
from v4a_portal.state.clip_cards import ClipCard, cards_for
from v4a_portal.state.live_clips import LiveClips
from v4a_portal.state.paging import PER_PAGE, Paging
from v4a_portal.state.service_call import call

# The filter buttons, in order, and the statuses each asks the service for.
FILTERS: dict[str, str | None] = {
    "all": None,
    "active": ",".join(ACTIVE_STATUSES),
    **{s.value: s.value for s in (VideoStatus.completed, VideoStatus.failed, VideoStatus.canceled)},
}
TABS = ("photos", "scripts", "videos")


def _videos_page(user_id: int, status: str | None, page: int) -> tuple[list[ClipCard], int]:
    with session_scope() as session:
        rows, total = videos.list_for(session, user_id, status=status, page=page, per_page=PER_PAGE)
        return cards_for(session, user_id, rows), total


class LibraryVideosState(LiveClips, Paging, AuthState):
    tab: str = "photos"
    status_filter: str = "all"

    def _new_clips_limit(self) -> int:
        # Clips ordered while the page is open go on top of the first page of a filter a
        # new clip can match; other pages keep what they show.
        return PER_PAGE if self.page == 1 and self.status_filter in ("all", "active") else 0

    def _takes_new(self, card: ClipCard) -> bool:
        return self.status_filter == "all" or card.active

    def _took_new(self, count: int) -> None:
        self.total += count

    @rx.event
    async def load_videos(self) -> EventSpec | None:
        """?tab=videos opens this tab, ?status=failed (etc.) a filter."""
        params = self.router.url.query_parameters
        self.tab = cast(str, params.get("tab")) if params.get("tab") in TABS else "photos"
        self.status_filter = (
            cast(str, params.get("status")) if params.get("status") in FILTERS else "all"
        )
        self.page, self.clips_error = 1, ""
        if self.tab != "videos":
            # Read when the tab is opened (show_tab): a visit to Photos does not pay for it.
            self.loading = True
            return None
        return await self._reload()

    @rx.event
    async def show_tab(self, value: str):
        self.tab = value if value in TABS else "photos"
        yield self._show_in_url()
        if self.tab == "videos":
            yield await self._reload()

    def _show_in_url(self) -> EventSpec:
        """The open tab and filter, in the address bar: the loader reads them there when the
        page is reloaded or its socket reconnects (to this web process or another)."""
        videos_filter = self.tab == "videos" and self.status_filter != "all"
        url = routes.library(
            tab=None if self.tab == "photos" else self.tab,
            status=self.status_filter if videos_filter else None,
        )
        return show_in_url(routes.LIBRARY, url)

    @rx.event
    async def filter_by(self, value: str | list[str]):
        if isinstance(value, list):  # what a segmented control may send
            value = value[0] if value else ""
        if value not in FILTERS:
            return
        self.status_filter, self.page, self.loading = value, 1, True
        yield self._show_in_url()
        yield await self._reload()

    async def _reload(self) -> EventSpec | None:
        """This page of clips; the live updates (re)start when any of them is active."""
        user = await self._signed_in()
        if user is None or user.id is None:
            self.clips, self.total, self.loading = [], 0, False
            return self._bounce(user)
        found, self.clips_error = await call(
            _videos_page, user.id, FILTERS[self.status_filter], self.page
        )
        if found is not None:
            self.clips, self.total = found
        self.loading = False
        if not self._active_ids() and not self._new_clips_limit():
            return None
        # mypy cannot solve the handler type `@rx.event(background=True)` gives (EventCallback?)
        return LibraryVideosState.watch_clips()  # type: ignore[misc]
