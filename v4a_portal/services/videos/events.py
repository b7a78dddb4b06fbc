"""The progress message of a video: the one payload workers publish, SSE streams and the UI
applies, built from a row (or a RETURNING row) so every sender says the same."""

from __future__ import annotations

from typing import Any

from v4a_portal.models import Video, VideoStatus
from v4a_portal.services import storage
from v4a_portal.services.progress import VideoEvent

_v = Video.__table__

# The columns `event` reads, for the RETURNING clause of every transition.
EVENT_COLUMNS = (
    _v.c.id,
    _v.c.user_id,
    _v.c.batch_id,
    _v.c.status,
    _v.c.progress,
    _v.c.error_code,
    _v.c.error_message,
    _v.c.file_path,
    _v.c.refunded_at,
)


def event(row: Any, balance: int | None = None) -> VideoEvent:
    """The message for a video row; `balance` (after a refund) is added when given."""
    video_url, thumbnail_url = storage.video_urls(row.file_path)
    payload: VideoEvent = {
        "video_id": row.id,
        "batch_id": row.batch_id,
        "status": row.status,
        "progress": row.progress,
        "error_code": row.error_code,
        "error_message": row.error_message,
        "video_url": video_url,
        "thumbnail_url": thumbnail_url,
        "refunded": row.refunded_at is not None,
    }
    if balance is not None:
        payload["balance"] = balance
    return payload


def created(row: Any) -> VideoEvent:
    """The message that announces a new video row (sent once, after its commit)."""
    payload = event(row)
    payload["created"] = True
    return payload


def progress_event(video_id: int, batch_id: str | None, percent: int) -> VideoEvent:
    """A running video's progress message, the same shape as `event`."""
    return {
        "video_id": video_id,
        "batch_id": batch_id,
        "status": VideoStatus.processing.value,
        "progress": percent,
        "error_code": None,
        "error_message": None,
        "video_url": None,
        "thumbnail_url": None,
        "refunded": False,
    }
