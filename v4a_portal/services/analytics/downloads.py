"""Downloads of finished clips: a downloaded clip is one its owner kept.

Two ways in, each counted once: the clip card's button (GET /api/v1/videos/{id}/download,
`for_owner`), whatever the storage backend, and `GET /media/<key>?download=1` of the local
backend (`record_by_file`), which links made before the button's route still use.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlmodel import Session as ModelSession

from v4a_portal.models import VideoStatus
from v4a_portal.services import storage, videos
from v4a_portal.services.analytics.sql import downloads
from v4a_portal.services.analytics.sql import videos as video_rows
from v4a_portal.services.errors import Conflict


def download_name(video_id: int) -> str:
    """The file name a downloaded clip is saved under."""
    return f"v4a-clip-{video_id}.mp4"


def for_owner(
    session: ModelSession,
    user_id: int,
    video_id: int,
    *,
    count: bool = True,
) -> str:
    """Count one download of the user's finished clip (unless `count` is off); returns the
    URL that serves it as an attachment (and counts nothing more). NotFound for another
    user's clip, Conflict for a clip without a file yet: then nothing is counted."""
    video = videos.get_owned(session, user_id, video_id)
    if video.status != VideoStatus.completed.value or not video.file_path:
        raise Conflict(
            f"This clip is {video.status}: only a finished clip can be downloaded.",
            code="video_not_ready",
        )
    # The URL first: a storage that cannot make one (signing failed) leaves no row behind.
    url = storage.get_storage().download_url(video.file_path, download_name(video_id))
    if count:
        session.execute(
            insert(downloads).values(video_id=video_id, user_id=user_id, source="button")
        )
    return url


def record_by_file(session: Session, file_path: str, *, source: str = "media") -> int | None:
    """Count one download of the finished clip stored at `file_path`; None when no finished
    clip is (the media route also serves photos and thumbnails)."""
    row = session.execute(
        select(video_rows.c.id, video_rows.c.user_id).where(
            video_rows.c.file_path == file_path,
            video_rows.c.status == VideoStatus.completed.value,
        )
    ).first()
    if row is None:
        return None
    session.execute(insert(downloads).values(video_id=row.id, user_id=row.user_id, source=source))
    return int(row.id)
