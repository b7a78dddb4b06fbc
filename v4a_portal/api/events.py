"""GET /api/v1/videos/{id}/events: a clip's live progress as Server-Sent Events.

`snapshot` (the row now) first, then `progress` and `status` events from the user's Redis
channel filtered to this clip, `: ping` comments as heartbeats, and the stream ends after
the final state. The subscription is made before the snapshot is read, so no change falls
between the two, and before the response starts, so Redis being down is a JSON 503 rather
than a stream that breaks after its 200. Pub/sub can drop messages (a Redis restart), so a
quiet stream re-reads the row now and then and sends what changed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

from anyio import CancelScope, to_thread
from fastapi import APIRouter
from redis.exceptions import RedisError
from sse_starlette import EventSourceResponse, JSONServerSentEvent
from starlette.types import Receive, Scope, Send

from v4a_portal.api.deps import CurrentUser, RowId
from v4a_portal.db import session_scope
from v4a_portal.models import FINAL_STATUSES
from v4a_portal.services import progress, videos
from v4a_portal.services.errors import Unavailable
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
    "completes, fails or is canceled. 503 `unavailable` (JSON, no stream) when Redis "
    "cannot be reached.",
    response_class=EventSourceResponse,
)
async def video_event_stream(video_id: RowId, user: CurrentUser) -> EventSourceResponse:
    assert user.id is not None
    user_id = user.id
    # Ownership first, so another user's clip is a plain JSON 404, not a stream.
    await to_thread.run_sync(_snapshot, user_id, video_id)
    subscription = AsyncExitStack()
    listener = await _subscribe(subscription, user_id)
    try:
        return _ProgressStream(
            subscription,
            _stream(listener, user_id, video_id),
            ping=get_settings().sse_ping_seconds,
            send_timeout=30,
        )
    except BaseException:
        await subscription.aclose()
        raise


async def _subscribe(subscription: AsyncExitStack, user_id: int) -> progress.AsyncListener:
    """The user's progress channel, entered on `subscription`; Unavailable (503) when Redis
    cannot be reached."""
    try:
        return await subscription.enter_async_context(progress.listen_async(user_id))
    except (RedisError, OSError) as exc:
        raise Unavailable("Live progress cannot be followed: Redis is not answering.") from exc


class _ProgressStream(EventSourceResponse):
    """An event stream that owns its progress subscription and closes it when the response
    ends, however it ends: streamed to the final state, cut by a client disconnect, or never
    streamed at all (a HEAD request, or a disconnect before the first event), where the body
    generator never starts and so could not close it."""

    def __init__(self, subscription: AsyncExitStack, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._subscription = subscription

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Shielded: a cancelled request (the disconnect) must still leave the channel.
            with CancelScope(shield=True):
                await self._subscription.aclose()


async def _stream(
    listener: progress.AsyncListener, user_id: int, video_id: int
) -> AsyncIterator[JSONServerSentEvent]:
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
