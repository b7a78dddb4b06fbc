"""GET /api/v1/videos/{id}/events: a clip's live progress as Server-Sent Events.

`snapshot` (the row now) first, then `progress` and `status` events from the user's Redis
channel filtered to this clip, `: ping` comments as heartbeats, and the stream ends after
the final state. The subscription is made before the snapshot is read, so no change falls
between the two. Pub/sub can drop messages (a Redis restart), so a quiet stream re-reads
the row now and then and sends what changed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from anyio import to_thread
from fastapi import APIRouter
from sse_starlette import EventSourceResponse, JSONServerSentEvent

from v4a_portal.api.deps import CurrentUser, RowId
from v4a_portal.db import session_scope
from v4a_portal.models import FINAL_STATUSES
from v4a_portal.services import progress, videos
from v4a_portal.services.videos import events as video_events
from v4a_portal.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["videos"])


def _snapshot(user_id: int, video_id: int) -> progress.Event:
    with session_scope() as session:
        return video_events.event(videos.get_owned(session, user_id, video_id))


@router.get(
    "/videos/{video_id}/events",
    summary="Live progress of a clip (Server-Sent Events)",
    description="Events: `snapshot` first, then `progress` and `status`, each with the clip's "
    "state as JSON; `: ping` comments every ~15 s; the stream closes after the clip "
    "completes, fails or is canceled.",
    response_class=EventSourceResponse,
)
async def video_event_stream(video_id: RowId, user: CurrentUser) -> EventSourceResponse:
    assert user.id is not None
    user_id = user.id
    # Ownership first, so another user's clip is a plain JSON 404, not a stream.
    await to_thread.run_sync(_snapshot, user_id, video_id)
    return EventSourceResponse(
        _stream(user_id, video_id), ping=get_settings().sse_ping_seconds, send_timeout=30
    )


async def _stream(user_id: int, video_id: int) -> AsyncIterator[JSONServerSentEvent]:
    async with progress.listen_async(user_id) as listener:
        last = await to_thread.run_sync(_snapshot, user_id, video_id)
        yield _sse("snapshot", last)
        heard = time.monotonic()  # this clip's last news: another clip's does not count
        while last["status"] not in FINAL_STATUSES:
            left = progress.QUIET_SECONDS - (time.monotonic() - heard)
            event = await listener.get(left) if left > 0 else None
            if event is not None and event.get("video_id") != video_id:
                continue
            if event is None:  # quiet for this clip: did pub/sub drop one?
                event = await to_thread.run_sync(_snapshot, user_id, video_id)
                assert event is not None  # mypy takes run_sync's type from `event`'s (or None)
            heard = time.monotonic()
            kind = _kind(last, event)
            if kind is not None:
                yield _sse(kind, event)
                last = event


def _kind(last: progress.Event, event: progress.Event) -> str | None:
    """What changed: a new status, more progress, or nothing worth sending."""
    if event.get("status") != last.get("status"):
        return "status"
    if (event.get("progress") or 0) > (last.get("progress") or 0):
        return "progress"
    return None


def _sse(kind: str, event: progress.Event) -> JSONServerSentEvent:
    return JSONServerSentEvent(data=event, event=kind)
