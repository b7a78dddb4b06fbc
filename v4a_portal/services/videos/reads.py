"""Reading a customer's videos: one of them, or a filtered page."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from v4a_portal.models import Video, VideoStatus
from v4a_portal.services import ownership
from v4a_portal.services.errors import InvalidInput


def get_owned(session: Session, user_id: int, video_id: int) -> Video:
    """The user's video; another user's answers exactly like a missing one."""
    return ownership.get_owned(session, Video, user_id, video_id, "video")


def parse_statuses(status: str) -> list[str]:
    """ "failed,canceled" → the statuses; InvalidInput names the allowed ones."""
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    unknown = sorted(set(statuses) - {s.value for s in VideoStatus})
    if unknown or not statuses:
        raise InvalidInput(f"status must be among {', '.join(s.value for s in VideoStatus)}.")
    return statuses


def list_for(
    session: Session,
    user_id: int,
    *,
    status: str | None = None,
    batch_id: str | None = None,
    image_id: int | None = None,
    script_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[Video], int]:
    """One page of the user's videos, newest first, and the total count."""
    query = select(Video).where(col(Video.user_id) == user_id)
    if status is not None:
        query = query.where(col(Video.status).in_(parse_statuses(status)))
    if batch_id is not None:
        query = query.where(col(Video.batch_id) == batch_id)
    if image_id is not None:
        query = query.where(col(Video.image_id) == image_id)
    if script_id is not None:
        query = query.where(col(Video.script_id) == script_id)
    query = query.order_by(col(Video.created_at).desc(), col(Video.id).desc())
    return ownership.page_of(session, query, page, per_page)


def created_after(session: Session, user_id: int, video_id: int, limit: int) -> list[Video]:
    """The user's videos with an id above `video_id`, newest first, at most `limit`: those
    ordered since a page read its newest (the primary key follows the order of requests)."""
    query = (
        select(Video)
        .where(col(Video.user_id) == user_id, col(Video.id) > video_id)
        .order_by(col(Video.id).desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars().all())


def for_scripts(session: Session, user_id: int, script_ids: list[int]) -> dict[int, list[Video]]:
    """The user's videos made from each of these scripts, newest first, in one query."""
    found: dict[int, list[Video]] = {script_id: [] for script_id in script_ids}
    if not script_ids:
        return found
    query = (
        select(Video)
        .where(col(Video.user_id) == user_id, col(Video.script_id).in_(script_ids))
        .order_by(col(Video.created_at).desc(), col(Video.id).desc())
    )
    for video in session.execute(query).scalars():
        found[video.script_id or 0].append(video)
    return found
