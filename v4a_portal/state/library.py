"""The Library: the user's photos, newest first, each with its scripts and their lineage."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.db import session_scope
from v4a_portal.services import images, scripts
from v4a_portal.state.auth import AuthState
from v4a_portal.state.cards import PhotoCard, photo_card
from v4a_portal.state.paging import PER_PAGE, Paging
from v4a_portal.state.service_call import call, row_id

# The newest scripts shown under a photo; a long regeneration chain says how many more.
SCRIPTS_PER_PHOTO = 10


def _library_page(user_id: int, page: int) -> tuple[list[PhotoCard], int]:
    with session_scope() as session:
        photos, total = images.list_for(session, user_id, page=page, per_page=PER_PAGE)
        cards = []
        for photo in photos:
            rows, count = scripts.list_for(
                session, user_id, image_id=photo.id, per_page=SCRIPTS_PER_PHOTO
            )
            cards.append(photo_card(photo, rows, count))
    return cards, total


def _delete(user_id: int, photo_id: int) -> int:
    """Delete the user's photo; returns how many scripts it had (they are kept)."""
    with session_scope() as session:
        _, kept = scripts.list_for(session, user_id, image_id=photo_id, per_page=1)
        images.delete(session, user_id, photo_id)
    return kept


class LibraryState(Paging, AuthState):
    photos: list[PhotoCard] = []  # noqa: RUF012 (a Reflex var default, copied per client)
    # One line after an action: what happened, or why it did not.
    status: rx.Field[str] = rx.field("")
    error: rx.Field[str] = rx.field("")

    @rx.event
    async def load(self) -> EventSpec | None:
        self.page, self.status, self.error = 1, "", ""
        return await self._reload()  # the guard before this event does any redirect

    async def _reload(self) -> EventSpec | None:
        user = await self._signed_in()
        if user is None or user.id is None:
            self.photos, self.total, self.loading = [], 0, False
            return self._bounce(user)
        found, error = await call(_library_page, user.id, self.page)
        if found is not None:
            self.photos, self.total = found
        self.error = error or self.error
        self.loading = False
        return None

    @rx.event
    async def delete_photo(self, photo_id: int) -> EventSpec | None:
        """Delete one of the user's photos; its scripts stay (image_id becomes NULL)."""
        user = await self._signed_in()
        if user is None or user.id is None:
            return self._bounce(user)
        photo_id = row_id(photo_id)
        if not photo_id:
            return None
        name = next((p.name for p in self.photos if p.id == photo_id), "The photo")
        kept, self.error = await call(_delete, user.id, photo_id)
        self.status = ""
        if kept is not None:
            scripts_word = "script is" if kept == 1 else "scripts are"
            self.status = f"{name} was deleted." + (
                f" Its {kept} {scripts_word} kept. Find them under Scripts." if kept else ""
            )
            self.total -= 1
            self.page = min(self.page, self._last_page())  # the last photo of the last page
        return await self._reload()
