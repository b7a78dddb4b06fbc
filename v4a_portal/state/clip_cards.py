"""What the Studio and the Library show of a video (a "clip" card): a plain row built from
the Video, its photo and its script, then kept current by the worker's progress messages.

A card carries only what the page renders, with the words and links already made. The
progress messages (services/videos/events.py) have the same fields whether they come from
Redis or from a fresh read of the row, so one function applies both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from sqlmodel import Session

from v4a_portal import routes
from v4a_portal.models import (
    ACTIVE_STATUSES,
    REFUNDING_STATUSES,
    GeneratedScript,
    UploadedImage,
    Video,
    VideoStatus,
)
from v4a_portal.services import catalog, images, scripts, storage, videos
from v4a_portal.services.analytics.downloads import download_name
from v4a_portal.services.errors import InvalidInput, NotFound
from v4a_portal.state import formatting, messages

# A clip only moves forward: queued → generating → an end. A message that arrives late (it
# was queued behind a fresher read of the row) must not move it back.
_STAGE = {VideoStatus.pending.value: 0, VideoStatus.processing.value: 1}
_FINAL_STAGE = 2
# How much of a free-text prompt a card shows.
PROMPT_SHOWN = 140


class ClipEvent(TypedDict):
    """What a card reads of a progress message (a `progress.VideoEvent`, which has these
    fields and more), also made from a card itself (state/live_clips.py)."""

    video_id: int
    status: str
    progress: int
    error_message: str | None
    video_url: str | None
    thumbnail_url: str | None
    refunded: bool
    created: NotRequired[bool]  # the first message of a clip just ordered


@dataclass(frozen=True)
class ClipCard:
    id: int
    status: str  # a VideoStatus value
    status_label: str  # "Queued", "Generating", "Ready", "Failed", "Canceled"
    active: bool  # queued or generating: it shows a progress bar and can be canceled
    progress: int  # 0-100
    error: str  # in plain words; the services' messages already say "refunded"
    refunded: bool
    video_url: str
    poster_url: str  # the clip's thumbnail once done, the product photo before
    download_name: str
    download_href: str  # the counting route, which redirects to the file (any backend)
    # "4 s · Portrait · Draft preview (local)"
    spec: str
    credits: int
    when: str
    # The lineage: the photo (its thumbnail) and the script the clip was made from ("" when
    # deleted).
    photo_url: str
    photo_name: str
    script_id: int
    script_label: str
    script_url: str
    # A clip made without a script: what it was asked to show (shortened), "" otherwise.
    prompt: str = ""
    # What a queued clip waits for: the provider's free slot, or this machine's renderer.
    waiting: str = ""


def _model_label(model_id: str) -> str:
    try:
        return catalog.get(model_id).label
    except InvalidInput:  # a model switched off since: its id still names it
        return model_id


def waiting_for(provider: str) -> str:
    """What a queued clip of `provider` waits for, in words (services/videos/provider_slots:
    a remote provider's generations in flight are capped; drafts wait for a render slot)."""
    if provider == "draft":
        return "Waiting for a free render slot…"
    return f"Queued at {messages.provider_label(provider)}…" if provider else "Queued…"


def orientation(size: str | None) -> str:
    width, _, height = (size or catalog.PORTRAIT).partition("x")
    try:
        return "Portrait" if int(width) < int(height) else "Landscape"
    except ValueError:
        return ""


def _status(status: str) -> tuple[str, bool]:
    return messages.clip_status(status), status in ACTIVE_STATUSES


def clip_card(
    video: Video, photo: UploadedImage | None, script: GeneratedScript | None
) -> ClipCard:
    assert video.id is not None
    photo_url = images.url_for(photo) if photo else ""
    done = video.status == VideoStatus.completed.value and bool(video.file_path)
    label, active = _status(video.status)
    video_url, thumbnail_url = storage.video_urls(video.file_path)
    spec = (f"{video.duration} s", orientation(video.size), _model_label(video.model))
    return ClipCard(
        id=video.id,
        status=video.status,
        status_label=label,
        active=active,
        progress=100 if done else max(0, min(99, video.progress)),
        error=video.error_message or "",
        refunded=video.refunded_at is not None,
        video_url=(video_url or "") if done else "",
        poster_url=(thumbnail_url or photo_url) if done else photo_url,
        download_name=download_name(video.id),
        download_href=routes.video_download(video.id),
        spec=" · ".join(p for p in spec if p),
        credits=video.credits_used,
        when=formatting.timestamp(video.created_at),
        waiting=waiting_for(video.provider or ""),
        photo_url=images.thumbnail_url_for(photo) if photo else "",
        photo_name=(photo.original_filename or "Photo") if photo else "",
        script_id=(script.id or 0) if script else 0,
        script_label=f"Script #{script.id} · {script.product or 'Untitled'}" if script else "",
        script_url=routes.studio(script=script.id) if script else "",
        prompt="" if video.script_id else _shortened(video.prompt or ""),
    )


def _shortened(text: str, limit: int = PROMPT_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cards_for(session: Session, user_id: int, rows: list[Video]) -> list[ClipCard]:
    """Cards for the user's clips, each photo and script read once."""
    photos: dict[int, UploadedImage | None] = {}
    found_scripts: dict[int, GeneratedScript | None] = {}
    cards = []
    for video in rows:
        photo = script = None
        if video.image_id:
            if video.image_id not in photos:
                photos[video.image_id] = _owned(images.get_owned, session, user_id, video.image_id)
            photo = photos[video.image_id]
        if video.script_id:
            if video.script_id not in found_scripts:
                found_scripts[video.script_id] = _owned(
                    scripts.get_owned, session, user_id, video.script_id
                )
            script = found_scripts[video.script_id]
        cards.append(clip_card(video, photo, script))
    return cards


def _owned(get: Any, session: Session, user_id: int, row_id: int) -> Any:
    try:
        return get(session, user_id, row_id)
    except NotFound:
        return None


def owned_cards(session: Session, user_id: int, video_ids: list[int]) -> list[ClipCard]:
    """The cards of these clips that are the user's, in the order asked."""
    rows = []
    for video_id in video_ids:
        try:
            rows.append(videos.get_owned(session, user_id, video_id))
        except NotFound:
            continue
    return cards_for(session, user_id, rows)


def _stage(status: str) -> int:
    return _STAGE.get(status, _FINAL_STAGE)


def with_event(card: ClipCard, event: ClipEvent) -> ClipCard:
    """The card after one progress message; neither the status nor, within a status, the
    progress ever goes back."""
    status = str(event.get("status") or card.status)
    if status not in {s.value for s in VideoStatus} or _stage(status) < _stage(card.status):
        return card
    if _stage(card.status) == _FINAL_STAGE and status != card.status:
        return card  # an end is for good
    try:
        percent = max(0, min(100, int(event.get("progress") or 0)))
    except (TypeError, ValueError):
        percent = card.progress
    if status == card.status:
        percent = max(percent, card.progress)
    done = status == VideoStatus.completed.value
    label, active = _status(status)
    video_url = str(event.get("video_url") or "") if done else ""
    thumbnail = str(event.get("thumbnail_url") or "") if done else ""
    return dataclasses.replace(
        card,
        status=status,
        status_label=label,
        active=active,
        progress=100 if done else min(percent, 99),
        error=str(event.get("error_message") or "") if status in REFUNDING_STATUSES else "",
        refunded=bool(event.get("refunded")) or card.refunded,
        video_url=video_url or card.video_url,
        poster_url=thumbnail or card.poster_url,
    )


def apply_events(cards: list[ClipCard], events: Sequence[ClipEvent]) -> tuple[list[ClipCard], bool]:
    """The cards after these messages (others' clips ignored), and whether any of them just
    ended in a refund, so the balance in the header must be read again."""
    by_id = {card.id: index for index, card in enumerate(cards)}
    updated = list(cards)
    refunded = False
    for event in events:
        index = by_id.get(event.get("video_id"))
        if index is None:
            continue
        before = updated[index]
        updated[index] = after = with_event(before, event)
        refunded = refunded or (before.active and after.status in REFUNDING_STATUSES)
    return updated, refunded
