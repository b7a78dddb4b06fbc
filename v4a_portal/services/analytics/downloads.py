"""Downloads of finished clips: a downloaded clip is one its owner kept."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from v4a_portal.models import VideoStatus
from v4a_portal.services.analytics.sql import downloads, videos


def record_by_file(session: Session, file_path: str, *, source: str = "media") -> int | None:
    """Count one download of the finished clip stored at `file_path`; None when no finished
    clip is (the media route also serves photos and thumbnails)."""
    row = session.execute(
        select(videos.c.id, videos.c.user_id).where(
            videos.c.file_path == file_path, videos.c.status == VideoStatus.completed.value
        )
    ).first()
    if row is None:
        return None
    session.execute(insert(downloads).values(video_id=row.id, user_id=row.user_id, source=source))
    return int(row.id)
