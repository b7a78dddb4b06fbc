"""The Studio: choose or upload a product photo, then have an ad script written, edited, redone.

A later step (video from photo + script) builds on `photo` and `script` here. Each handler
re-reads the session; ids from the browser only ever reach the services' *_owned lookups.
The work on screen is kept in the URL (`/studio?photo=…&script=…`) and in the browser's
storage, so a reload, a bookmark, a new tab or coming back from another page restores it.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from dataclasses import dataclass
from typing import Any, BinaryIO

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.db import session_scope
from v4a_portal.models import User, utcnow
from v4a_portal.services import accounts, catalog, images, scripts
from v4a_portal.services.errors import InvalidInput, NotFound, TooLarge
from v4a_portal.settings import get_settings
from v4a_portal.state import messages
from v4a_portal.state.address_bar import show_in_url
from v4a_portal.state.auth import AuthState
from v4a_portal.state.cards import PhotoCard, ScriptCard, photo_card, script_card
from v4a_portal.state.service_call import call, row_id
from v4a_portal.state.upload_stream import receive_one

# What the brief form offers, from the rules the script service checks.
SCRIPT_DURATIONS: list[int] = sorted(scripts.DURATIONS)

logger = logging.getLogger(__name__)

UPLOAD_ID = "studio-photo"
RECENT_PHOTOS = 8
DEFAULT_TONE, DEFAULT_LANGUAGE, DEFAULT_DURATION = "professional", "en", 8
# Uploads up to this size stay in memory while they arrive; larger ones spill to disk.
_SPOOL_IN_MEMORY = 1024 * 1024

NO_PHOTO = PhotoCard(
    id=0, url="", thumbnail_url="", name="", details="", uploaded="", studio_url=""
)
NO_SCRIPT = ScriptCard(
    id=0,
    text="",
    lines=[],
    product="",
    brief="",
    writer="",
    credits=0,
    when="",
    lineage="",
    studio_url="",
)


@dataclass(frozen=True)
class _Opened:
    recent: list[PhotoCard]
    photo: PhotoCard | None
    script: ScriptCard | None
    missing: bool  # an id asked for is not (or no longer) the user's


def _open(user_id: int, photo_id: int, script_id: int) -> _Opened:
    """The user's recent photos, and the photo/script asked for when they are theirs."""
    with session_scope() as session:
        recent = [photo_card(i) for i in images.list_for(session, user_id, 1, RECENT_PHOTOS)[0]]
        try:
            script = scripts.get_owned(session, user_id, script_id) if script_id else None
            photo_id = (script.image_id or 0) if script else photo_id
            photo = images.get_owned(session, user_id, photo_id) if photo_id else None
        except NotFound:
            return _Opened(recent, None, None, missing=True)
        return _Opened(
            recent,
            photo_card(photo) if photo else None,
            script_card(script) if script else None,
            missing=False,
        )


def _owned_photo(user_id: int, photo_id: int) -> PhotoCard:
    with session_scope() as session:
        return photo_card(images.get_owned(session, user_id, photo_id))


def _save(user_id: int, filename: str, source: BinaryIO, declared: str) -> tuple[PhotoCard, bool]:
    with session_scope() as session:
        saved = images.save_upload(session, user_id, filename, source, declared or None)
        return photo_card(saved.image), saved.created


def _write(user_id: int, request: scripts.ScriptRequest) -> ScriptCard:
    return script_card(scripts.generate(user_id, request).script)


def _regenerate(user_id: int, script_id: int) -> ScriptCard:
    return script_card(scripts.regenerate(user_id, script_id).script)


def _edit(user_id: int, script_id: int, text: str) -> ScriptCard:
    with session_scope() as session:
        return script_card(scripts.edit(session, user_id, script_id, text))


def _remembered(url: str) -> tuple[int, int]:
    """(photo, script) from a Studio URL kept in the browser; (0, 0) for anything else."""
    path, _, query = url.partition("?")
    if path != routes.STUDIO:
        return 0, 0
    params = dict(p.partition("=")[::2] for p in query.split("&"))
    return row_id(params.get("photo")), row_id(params.get("script"))


def _seconds(value: object) -> int:
    """The chosen length; the service checks it is one it offers."""
    try:
        return int(str(value))
    except ValueError:
        return DEFAULT_DURATION


class StudioState(AuthState):
    # Step 1: the photo.
    photo: PhotoCard = NO_PHOTO
    recent: rx.Field[list[PhotoCard]] = rx.field(default_factory=list)
    uploading: bool = False
    upload_percent: rx.Field[int] = rx.field(0)
    checking: bool = False  # every byte is in; the server is decoding and storing it
    photo_note: str = ""
    photo_error: str = ""
    # The browser's own check, to spare a doomed upload; the server checks again.
    max_upload_mb: int = 10
    # Step 2: the script.
    price: int = 0
    script: ScriptCard = NO_SCRIPT
    writing: bool = False  # a write or a regeneration is running
    script_error: str = ""
    editing: bool = False
    edit_error: str = ""
    script_note: str = ""
    # The brief the form shows: the open script's inputs, or what was last written from.
    # `brief_version` remounts the form when they are set from here, not typed.
    brief_product: str = ""
    brief_audience: str = ""
    brief_tone: str = DEFAULT_TONE
    brief_language: str = DEFAULT_LANGUAGE
    brief_duration: str = str(DEFAULT_DURATION)
    brief_version: int = 0
    # Where credits come from when they run short (the daily bonus; billing).
    bonus_note: str = ""
    # The last Studio URL of this browser, for a bare /studio in a new tab.
    last_work: str = rx.LocalStorage("", name="v4a_studio_work", sync=False)

    @rx.var
    def has_photo(self) -> bool:
        return self.photo.id > 0

    @rx.var
    def script_short(self) -> str:
        """Why a script cannot be paid for, in words; "" when the balance covers it."""
        if self.credits >= self.price:
            return ""
        return messages.credits_short(self.price, self.credits)

    @rx.var
    def has_script(self) -> bool:
        return self.script.id > 0

    @rx.event
    async def load(self) -> EventSpec | None:
        """?script=ID opens a script with its photo, ?photo=ID a photo; else what was open."""
        user = await self._signed_in()
        if user is None or user.id is None:
            return self._bounce(user)
        params = self.router.url.query_parameters
        asked_photo, asked_script = row_id(params.get("photo")), row_id(params.get("script"))
        asked = bool(asked_photo or asked_script)
        if not asked:  # re-check what this tab had open: it may have been deleted since
            asked_photo, asked_script = self.photo.id, self.script.id
        if not (asked_photo or asked_script):  # a new tab: what this browser had open
            asked_photo, asked_script = _remembered(self.last_work)
        opened, error = await call(_open, user.id, asked_photo, asked_script)
        self.price, self.max_upload_mb = catalog.script_price(), get_settings().max_upload_mb
        self.uploading = self.checking = False
        self.photo_note = self.script_note = self.script_error = self.edit_error = ""
        self._note_bonus(user)
        if opened is not None:
            self.recent = opened.recent
            self._show_work(opened.photo, opened.script)
            # Only an id the user asked for is worth a word; a vanished one just closes.
            error = messages.NOT_FOUND if opened.missing and asked else ""
        self.photo_error = error
        return self._remember()

    def _note_bonus(self, user: User) -> None:
        bonus = accounts.daily_bonus(user)
        self.bonus_note = messages.daily_bonus_note(bonus.credits, bonus.next_at, utcnow())

    def _show_work(self, photo: PhotoCard | None, script: ScriptCard | None) -> None:
        self.photo = photo or NO_PHOTO
        self.script = script or NO_SCRIPT
        self.editing = False
        if script is not None:  # its brief, to write from again
            self.brief_product = script.product if script.product != "Untitled product" else ""
            self.brief_audience = script.audience
            self.brief_tone = script.tone or DEFAULT_TONE
            self.brief_language = script.language or DEFAULT_LANGUAGE
            self.brief_duration = str(script.duration or DEFAULT_DURATION)
            self.brief_version += 1

    def _remember(self) -> EventSpec:
        """The work on screen into the address bar and this browser's storage."""
        url = routes.studio(photo=self.photo.id or None, script=self.script.id or None)
        self.last_work = url
        return show_in_url(routes.STUDIO, url)

    @rx.event
    async def choose_photo(self, photo_id: int) -> EventSpec | None:
        user = await self._signed_in()
        if user is None or user.id is None:
            return self._bounce(user)
        card, error = await call(_owned_photo, user.id, row_id(photo_id))
        self.photo_error, self.photo_note = error, ""
        if card is not None and card.id != self.photo.id:
            self._show_work(card, None)
            await self._follow_script()
        return self._remember()

    @rx.event
    async def clear_photo(self) -> EventSpec:
        """Back to the drop zone; nothing is deleted."""
        self._show_work(None, None)
        self.photo_error = self.photo_note = self.script_error = ""
        await self._follow_script()
        return self._remember()

    @rx.event
    def upload_rejected(self, reasons: str) -> None:
        """The browser refused the file before sending it: react-dropzone's reason codes."""
        codes = str(reasons)[:500].split(",")
        self.photo_error = messages.drop_rejection(codes, get_settings().max_upload_mb)
        self.photo_note = ""

    @rx.event
    def upload_progress(self, progress: dict[str, Any]) -> None:
        with contextlib.suppress(TypeError, ValueError):  # whatever the browser sent
            self.upload_percent = max(0, min(100, int(float(progress.get("progress", 0)) * 100)))

    @rx.event(background=True)
    async def upload_photo(self, chunks: rx.UploadChunkIterator):
        """Receive the dropped file and hand it to images.save_upload, which decides.

        Nothing is written under /_upload (public): the bytes go to a private temporary
        file, and only the clean re-encoding the service makes reaches storage.
        """
        async with self:
            user = await self._signed_in()
            if user is None or user.id is None:
                return self._bounce(user)
        # The drop zone also sends an empty upload when it refused the file itself; then
        # upload_rejected has already said why.
        first = await anext(chunks, None)
        if first is None:
            return None
        async with self:
            self.uploading, self.checking, self.upload_percent = True, False, 0
            self.photo_error = self.photo_note = ""
        saved: tuple[PhotoCard, bool] | None = None
        limit = get_settings().max_upload_bytes
        with tempfile.SpooledTemporaryFile(_SPOOL_IN_MEMORY) as spool:
            try:
                name, declared = await receive_one(first, chunks, spool, limit)
            except (InvalidInput, TooLarge) as refused:
                error = messages.error_text(refused)
            except Exception:  # the request broke off: a bad multipart body, a lost client
                logger.warning("photo upload interrupted", exc_info=True)
                error = messages.UPLOAD_INTERRUPTED
            else:
                async with self:
                    self.checking, self.upload_percent = True, 100
                spool.seek(0)
                saved, error = await call(_save, user.id, name, spool, declared)
        async with self:
            self.uploading = self.checking = False
            self.photo_error = error
            if saved is not None:
                card, created = saved
                self._show_work(card, None)
                await self._follow_script()
                self.photo_note = "" if created else "You uploaded this photo before; it is reused."
                self.recent = [card, *[p for p in self.recent if p.id != card.id]][:RECENT_PHOTOS]
                return self._remember()
        return None

    @rx.event(background=True)
    async def write_script(self, form: dict[str, Any]):
        """Debit, write and store a script; the writer may take seconds, so off the lock."""
        async with self:
            user = await self._signed_in()
            if user is None or user.id is None:
                return self._bounce(user)
            if self.writing:
                return None
            if not self.photo.id:
                self.script_error = messages.PHOTO_NEEDED
                return None
            request = scripts.ScriptRequest(
                image_id=self.photo.id,
                product=str(form.get("product") or "")[:1000],
                audience=str(form.get("audience") or "")[:1000] or None,
                tone=str(form.get("tone") or "")[:200] or None,
                language=str(form.get("language") or DEFAULT_LANGUAGE)[:20],
                target_duration=_seconds(form.get("duration")),
            )
            # What was typed stays in the form, whatever the writer answers.
            self.brief_product, self.brief_audience = request.product, request.audience or ""
            self.brief_tone, self.brief_language = request.tone or "", request.language
            self.brief_duration = str(request.target_duration)
            self._start_writing()
        card, error = await call(_write, user.id, request, unexpected=messages.SCRIPT_CRASHED)
        async with self:
            await self._finish_writing(card, error)
            return self._remember()

    @rx.event(background=True)
    async def regenerate(self):
        """A new paid script from the same inputs, linked to the one on screen."""
        async with self:
            user = await self._signed_in()
            if user is None or user.id is None:
                return self._bounce(user)
            if self.writing or not self.script.id:
                return None
            parent_id = self.script.id
            self._start_writing()
        crashed = messages.SCRIPT_CRASHED
        card, error = await call(_regenerate, user.id, parent_id, unexpected=crashed)
        async with self:
            await self._finish_writing(card, error)
            return self._remember()

    def _start_writing(self) -> None:
        self.writing, self.editing = True, False
        self.script_error = self.script_note = self.edit_error = ""

    async def _finish_writing(self, card: ScriptCard | None, error: str) -> None:
        self.writing = False
        self.script_error = error
        if card is not None:
            self.script = card
            await self._follow_script()
        # Credits were spent (or refunded): the header follows without a reload.
        await self._signed_in()

    async def _follow_script(self) -> None:
        """The video step takes the new script's length and prompt (state/studio_video.py)."""
        from v4a_portal.state.studio_video import StudioVideoState  # it builds on this state

        video = await self.get_state(StudioVideoState)
        video.follow_script()

    @rx.event
    def start_edit(self) -> None:
        self.editing = True
        self.edit_error = self.script_note = ""

    @rx.event
    def cancel_edit(self) -> None:
        self.editing = False
        self.edit_error = ""

    @rx.event
    async def save_script(self, form: dict[str, Any]) -> EventSpec | None:
        """Editing is free; the service checks the text still follows the script grammar."""
        user = await self._signed_in()
        if user is None or user.id is None:
            return self._bounce(user)
        if not self.script.id:
            return None
        text = str(form.get("script_text") or "")[: scripts.MAX_TEXT + 1]
        card, error = await call(_edit, user.id, self.script.id, text)
        self.edit_error = error
        if card is not None:
            self.script, self.editing = card, False
            self.script_note = "Your changes are saved."
        return None
