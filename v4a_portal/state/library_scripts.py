"""The Library's scripts: every script of the user, newest first, searchable, whether its
photo is still there or not, each with its photo, lineage and the clips made from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.db import session_scope
from v4a_portal.models import GeneratedScript, UploadedImage
from v4a_portal.services import images, scripts, videos
from v4a_portal.services.errors import NotFound
from v4a_portal.state import messages
from v4a_portal.state.auth import AuthState
from v4a_portal.state.cards import ScriptCard, script_card
from v4a_portal.state.paging import PER_PAGE, Paging
from v4a_portal.state.service_call import call

# The clips a script lists by number; "and N more" beyond.
CLIPS_SHOWN = 6
SEARCH_MAX = 200


@dataclass(frozen=True)
class ClipLink:
    label: str  # "Clip #21 · Ready"
    status: str


@dataclass(frozen=True)
class LibraryScript:
    script: ScriptCard
    photo_name: str  # "" when the photo was deleted
    photo_url: str  # its thumbnail
    clips: list[ClipLink] = field(default_factory=list)
    clip_total: int = 0


def _photo(session: Any, user_id: int, image_id: int | None) -> UploadedImage | None:
    if not image_id:
        return None
    try:
        return images.get_owned(session, user_id, image_id)
    except NotFound:
        return None


def _row(script: GeneratedScript, photo: UploadedImage | None, clips: list[Any]) -> LibraryScript:
    return LibraryScript(
        script=script_card(script),
        photo_name=(photo.original_filename or "Photo") if photo else "",
        photo_url=images.thumbnail_url_for(photo) if photo else "",
        clips=[
            ClipLink(f"Clip #{v.id} · {messages.clip_status(v.status)}", v.status)
            for v in clips[:CLIPS_SHOWN]
        ],
        clip_total=len(clips),
    )


def _scripts_page(user_id: int, search: str, page: int) -> tuple[list[LibraryScript], int]:
    with session_scope() as session:
        rows, total = scripts.list_for(
            session, user_id, search=search, page=page, per_page=PER_PAGE
        )
        clips = videos.for_scripts(session, user_id, [r.id for r in rows if r.id])
        photos = {r.image_id: _photo(session, user_id, r.image_id) for r in rows}
        return [_row(r, photos[r.image_id], clips.get(r.id or 0, [])) for r in rows], total


class LibraryScriptsState(Paging, AuthState):
    scripts: list[LibraryScript] = []  # noqa: RUF012 (a Reflex var default, copied per client)
    search: str = ""
    error: str = ""

    @rx.var
    def videos_url(self) -> str:
        return routes.library(tab="videos")

    @rx.event
    async def load_scripts(self) -> EventSpec | None:
        self.page, self.error = 1, ""
        if self.router.url.query_parameters.get("tab") != "scripts":
            # Read when the tab is opened (show): a visit to Photos does not pay for it.
            self.loading = True
            return None
        return await self._reload()

    @rx.event
    async def find(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        """Search as submitted (Enter or the button); an empty search lists them all."""
        self.search = str(form.get("search") or "").strip()[:SEARCH_MAX]
        self.page, self.loading = 1, True
        yield None
        yield await self._reload()

    @rx.event
    async def show(self, tab: str | list[str]) -> EventSpec | None:
        """The Scripts tab was opened: read it again (a photo may have been deleted)."""
        if tab != "scripts":
            return None
        return await self._reload()

    async def _reload(self) -> EventSpec | None:
        user = await self._signed_in()
        if user is None or user.id is None:
            self.scripts, self.total, self.loading = [], 0, False
            return self._bounce(user)
        found, self.error = await call(_scripts_page, user.id, self.search, self.page)
        if found is not None:
            self.scripts, self.total = found
        self.loading = False
        return None
