"""Studio step 3: photo + script (optional) → video clips. The choices the catalog offers,
the price as they change, Generate, and the new clips kept live (state/live_clips.py).

A substate of StudioState, so it reads the photo and script on screen. Prices come only
from the catalog; the debit and the rows are videos.request' business.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypedDict

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.db import session_scope
from v4a_portal.services import catalog, videos
from v4a_portal.services.errors import InvalidInput
from v4a_portal.settings import get_settings
from v4a_portal.state import messages
from v4a_portal.state.cards import ScriptCard
from v4a_portal.state.clip_cards import ClipCard, cards_for, owned_cards
from v4a_portal.state.live_clips import LiveClips
from v4a_portal.state.service_call import call
from v4a_portal.state.studio import StudioState

# The longest free-text prompt the order service takes.
PROMPT_MAX: int = videos.MAX_PROMPT

# The newest clips the Studio shows (a full batch); the Library has them all.
RECENT_CLIPS = 9
# What the Studio offers of each model's sizes: the two every model makes.
ORIENTATIONS = {"portrait": catalog.PORTRAIT, "landscape": catalog.LANDSCAPE}


@dataclass(frozen=True)
class ModelChoice:
    id: str
    label: str
    rate: str  # "1 credit per second"
    durations: list[str]
    orientations: list[str]


def _choice(model: catalog.VideoModel) -> ModelChoice:
    unit = "credit" if model.credits_per_second == 1 else "credits"
    return ModelChoice(
        id=model.id,
        label=model.label,
        rate=f"{model.credits_per_second} {unit} per second",
        durations=[str(d) for d in model.durations],
        orientations=[name for name, size in ORIENTATIONS.items() if size in model.sizes],
    )


def _recent(user_id: int) -> list[ClipCard]:
    with session_scope() as session:
        rows, _ = videos.list_for(session, user_id, per_page=RECENT_CLIPS)
        return cards_for(session, user_id, rows)


class ClipRequest(TypedDict):
    """What Generate orders: the arguments of `videos.request` after the user's id."""

    image_id: int
    script_id: int | None
    prompt: str
    model: str
    duration: int
    size: str
    count: int
    idempotency_key: str


def _request(user_id: int, request: ClipRequest) -> list[ClipCard]:
    """Debit and queue the clips (a blocking call: the caller runs it in a thread)."""
    requested = videos.request(user_id, **request)
    with session_scope() as session:
        return owned_cards(session, user_id, requested.video_ids)


def _video_prompt(script: ScriptCard) -> str:
    return next((ln.text for ln in script.lines if ln.label == "VIDEO PROMPT"), "")


def _one(value: str | list[str]) -> str:
    """A control's value (a segmented control may send a list), kept short."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value)[:100]


def _number(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


class StudioVideoState(LiveClips, StudioState):
    models: list[ModelChoice] = []  # noqa: RUF012 (a Reflex var default, copied per client)
    model: str = ""
    duration: rx.Field[str] = rx.field("")
    orientation: rx.Field[str] = rx.field("portrait")
    count: str = "1"
    max_clips: int = 9
    video_price: rx.Field[int] = rx.field(0)
    price_error: str = ""  # the catalog refused this combination
    generating: bool = False
    video_error: str = ""
    # What the video shows: the script's VIDEO PROMPT when a script is opened, then whatever
    # is typed (kept on blur, so coming back to the Studio finds it). `prompt_version`
    # remounts the box when the text is set from here.
    prompt: str = ""
    prompt_version: int = 0
    # The script the length and prompt were last taken from (-1: none yet).
    _followed_script: int = -1

    # One per request the tab is about to make: a retried or doubled submit is paid once.
    _request_key: str = ""

    def _new_clips_limit(self) -> int:
        return RECENT_CLIPS  # the newest clips, wherever they were ordered

    @rx.var
    def script_prompt(self) -> str:
        """The script's VIDEO PROMPT, which prefills the prompt box."""
        return _video_prompt(self.script)

    def _chosen(self) -> ModelChoice | None:
        return next((m for m in self.models if m.id == self.model), None)

    # What the chosen model offers.
    @rx.var
    def duration_options(self) -> list[str]:
        chosen = self._chosen()
        return chosen.durations if chosen else []

    @rx.var
    def orientation_options(self) -> list[str]:
        chosen = self._chosen()
        return chosen.orientations if chosen else []

    @rx.var
    def model_rate(self) -> str:
        chosen = self._chosen()
        return chosen.rate if chosen else ""

    @rx.var
    def count_options(self) -> list[str]:
        return [str(n) for n in range(1, self.max_clips + 1)]

    @rx.var
    def blocker(self) -> str:
        """Why Generate is off, in words; "" when it is on."""
        return self._blocker()

    @rx.var
    def credits_blocker(self) -> str:
        """The blocker when it is the balance (shown with the way to more credits)."""
        blocker = self._blocker()
        return blocker if self.photo.id and not self.price_error and blocker else ""

    @rx.var
    def short_of_credits(self) -> bool:
        return self.video_price > self.credits

    @rx.var
    def can_generate(self) -> bool:
        return not self.generating and not self._blocker()

    def _blocker(self) -> str:
        if not self.photo.id:
            return messages.PHOTO_NEEDED
        if self.price_error:
            return self.price_error
        if self.video_price > self.credits:
            return messages.credits_short(self.video_price, self.credits)
        return ""

    @rx.event
    async def open_video_step(self) -> EventSpec | None:
        """On load, after StudioState.load: the catalog's choices and the newest clips."""
        user = await self._signed_in()
        if user is None or user.id is None:
            return self._bounce(user)
        self.models = [_choice(m) for m in catalog.models()]
        self.max_clips = get_settings().max_clips_per_request
        self.follow_script()
        self._fit_choices()
        self._request_key = self._request_key or uuid.uuid4().hex
        self.generating, self.video_error, self.clips_error = False, "", ""
        recent, self.clips_error = await call(_recent, user.id)
        self.clips = recent or []
        return StudioVideoState.watch_clips

    def follow_script(self) -> None:
        """A newly opened script sets the prompt and, where the model offers it, the length
        (a script of 8 s makes clips of 8 s); the same script again changes nothing."""
        if self.script.id == self._followed_script:
            return
        self._followed_script = self.script.id
        self.prompt = _video_prompt(self.script)
        self.prompt_version += 1
        chosen = self._chosen() or (self.models[0] if self.models else None)
        if chosen is not None and str(self.script.duration) in chosen.durations:
            self.duration = str(self.script.duration)
        self._fit_choices()

    @rx.event
    def keep_prompt(self, text: str) -> None:
        """The prompt as typed (on blur), so it outlasts a visit to another page."""
        self.prompt = str(text)[: videos.MAX_PROMPT + 1]

    def _fit_choices(self) -> None:
        """Keep what was chosen where the (new) model offers it, else its first option."""
        chosen = self._chosen() or (self.models[0] if self.models else None)
        if chosen is None:
            self.model, self.video_price, self.price_error = "", 0, messages.NO_VIDEO_MODELS
            return
        self.model = chosen.id
        if self.duration not in chosen.durations:
            self.duration = chosen.durations[0]
        if self.orientation not in chosen.orientations and chosen.orientations:
            self.orientation = chosen.orientations[0]
        count = max(1, min(_number(self.count, 1), self.max_clips))
        self.count = str(count)
        try:
            order = catalog.quote(
                self.model, int(self.duration), ORIENTATIONS.get(self.orientation, ""), count
            )
        except InvalidInput as refused:
            self.video_price, self.price_error = 0, refused.message
        else:
            self.video_price, self.price_error = order.credits, ""

    async def _choose(self, field: str, value: str | list[str]) -> EventSpec | None:
        user = await self._signed_in()  # also brings the balance next to the price up to date
        if user is None:
            return self._bounce(user)
        setattr(self, field, _one(value))
        self._fit_choices()
        return None

    @rx.event
    async def choose_model(self, value: str) -> EventSpec | None:
        return await self._choose("model", value)

    @rx.event
    async def choose_duration(self, value: str | list[str]) -> EventSpec | None:
        return await self._choose("duration", value)

    @rx.event
    async def choose_orientation(self, value: str | list[str]) -> EventSpec | None:
        return await self._choose("orientation", value)

    @rx.event
    async def choose_count(self, value: str) -> EventSpec | None:
        return await self._choose("count", value)

    @rx.event(background=True)
    async def generate(self, form: dict[str, Any]):
        """Debit and queue the clips off the event loop, show them, start the live updates."""
        async with self:
            user = await self._signed_in()
            if user is None or user.id is None:
                return self._bounce(user)
            if self.generating:
                return None
            self._fit_choices()
            prompt = str(form.get("prompt") or "").strip()[: videos.MAX_PROMPT + 1]
            refusal = self._refusal(prompt)
            if refusal:
                self.video_error = refusal
                return None
            request: ClipRequest = {
                "image_id": self.photo.id,
                "script_id": self.script.id or None,
                "prompt": prompt,
                "model": self.model,
                "duration": int(self.duration),
                "size": ORIENTATIONS.get(self.orientation, ""),
                "count": int(self.count),
                "idempotency_key": self._request_key,
            }
            self.generating, self.video_error, self.clips_error = True, "", ""
            self.prompt = prompt
        cards, error = await call(_request, user.id, request, unexpected=messages.VIDEO_CRASHED)
        async with self:
            self.generating, self.video_error = False, error
            if cards is not None:
                new = {card.id for card in cards}
                older = [card for card in self.clips if card.id not in new]
                self.clips = (cards + older)[: max(RECENT_CLIPS, len(cards))]
                self._request_key = uuid.uuid4().hex
            await self._signed_in()  # the debit, in the header, without a reload
        return StudioVideoState.watch_clips if cards else None

    def _refusal(self, prompt: str) -> str:
        if not prompt and not self.script.id and not self._blocker():
            return messages.PROMPT_NEEDED
        return self._blocker()
