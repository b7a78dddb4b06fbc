"""Lineage: photos → scripts (first versions and regenerations) → clips by final status,
as flows for a Sankey, and one customer's or one photo's tree.

The set is the photos uploaded in the window and everything that came from them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from v4a_portal.models import UploadedImage, User, utcnow
from v4a_portal.services.analytics import sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.sql import photos, scripts, videos
from v4a_portal.services.errors import InvalidInput, NotFound

PHOTOS = "Photos"
NO_SCRIPT = "No script yet"
FIRST = "First scripts"
REGEN = "Regenerations"
NO_CLIP = "No clip yet"
# Drill-down trees show this many photos, newest first.
TREE_PHOTOS = 25


def _clip_node(status: str) -> str:
    return {"pending": "Clips in progress", "processing": "Clips in progress"}.get(
        status, f"Clips {status}"
    )


def report(session: Session, f: Filters) -> dict[str, Any]:
    flows: dict[tuple[str, str], int] = {}
    script_filter = and_(*sql.script_conditions(_scripts_only(f)))
    regen = case((scripts.c.parent_script_id.is_(None), FIRST), else_=REGEN)
    has_clip = sql.count_if(
        select(videos.c.id)
        .where(videos.c.script_id == scripts.c.id, *sql.clip_conditions(_clips_only(f)))
        .exists()
    )
    per_kind = (
        select(regen.label("kind"), func.count(), has_clip)
        .select_from(photos.join(scripts, scripts.c.image_id == photos.c.id))
        .where(*_photo_window(f), script_filter)
        .group_by(regen)
    )
    for kind, written, clipped in session.execute(per_kind):
        flows[(PHOTOS, kind)] = int(written)
        if written - clipped:
            flows[(kind, NO_CLIP)] = int(written - clipped)
    photos_with_script = int(
        session.execute(
            select(func.count(func.distinct(photos.c.id)))
            .select_from(photos.join(scripts, scripts.c.image_id == photos.c.id))
            .where(*_photo_window(f), script_filter)
        ).scalar_one()
    )
    total_photos = int(
        session.execute(
            select(func.count()).select_from(photos).where(*_photo_window(f))
        ).scalar_one()
    )
    if total_photos - photos_with_script:
        flows[(PHOTOS, NO_SCRIPT)] = total_photos - photos_with_script
    clips = (
        select(regen.label("kind"), videos.c.status, func.count())
        .select_from(
            photos.join(scripts, scripts.c.image_id == photos.c.id).join(
                videos, videos.c.script_id == scripts.c.id
            )
        )
        .where(*_photo_window(f), script_filter, *sql.clip_conditions(_clips_only(f)))
        .group_by(regen, videos.c.status)
    )
    for kind, status, count in session.execute(clips):
        key = (str(kind), _clip_node(str(status)))
        flows[key] = flows.get(key, 0) + int(count)
    links = [{"source": s, "target": t, "value": v} for (s, t), v in flows.items() if v]
    return {
        "filters": f.to_query(),
        "generated_at": utcnow().isoformat(),
        "photos": total_photos,
        "photos_with_script": photos_with_script,
        "links": links,
        "table": links,
    }


def _photo_window(f: Filters) -> list[Any]:
    return [sql.in_window(photos.c.created_at, f), *sql.photo_conditions(f)]


def _scripts_only(f: Filters) -> Filters:
    return replace(f, subscriber="")  # the photo's owner is the script's owner


def _clips_only(f: Filters) -> Filters:
    return replace(f, writer="", tone="", audience="", subscriber="")


def tree(
    session: Session, *, user_id: int | None = None, email: str = "", photo_id: int | None = None
) -> dict[str, Any]:
    """One customer's photos (newest first) or one photo: each with its scripts, nested by
    regeneration, and each script's clips."""
    if photo_id:
        photo = session.get(UploadedImage, photo_id)
        if photo is None:
            raise NotFound("No such photo.")
        photo_rows = [photo]
        owner = session.get(User, photo.user_id)
        total = 1
    else:
        if email:
            owner = session.execute(
                select(User).where(func.lower(User.email) == email.strip().lower())
            ).scalar_one_or_none()
        else:
            owner = session.get(User, user_id) if user_id else None
        if owner is None:
            raise (
                NotFound("No such customer.")
                if (email or user_id)
                else InvalidInput("Name a customer or a photo.", code="invalid_drilldown")
            )
        newest = (
            select(UploadedImage)
            .where(UploadedImage.user_id == owner.id)  # type: ignore[arg-type]
            .order_by(UploadedImage.id.desc())  # type: ignore[union-attr]
        )
        photo_rows = list(session.execute(newest.limit(TREE_PHOTOS)).scalars())
        total = int(
            session.execute(
                select(func.count()).select_from(photos).where(photos.c.user_id == owner.id)
            ).scalar_one()
        )
    ids = [p.id for p in photo_rows]
    script_rows = session.execute(
        select(
            scripts.c.id,
            scripts.c.image_id,
            scripts.c.parent_script_id,
            scripts.c.tone,
            scripts.c.writer,
            scripts.c.product,
            scripts.c.created_at,
        )
        .where(scripts.c.image_id.in_(ids))
        .order_by(scripts.c.id)
    ).all()
    clip_rows = session.execute(
        select(
            videos.c.id,
            videos.c.script_id,
            videos.c.status,
            videos.c.model,
            videos.c.credits_used,
            videos.c.duration,
            videos.c.error_code,
        )
        .where(videos.c.script_id.in_([s.id for s in script_rows]))
        .order_by(videos.c.id)
    ).all()
    clips_by_script: dict[int, list[dict[str, Any]]] = {}
    for c in clip_rows:
        clips_by_script.setdefault(c.script_id, []).append(
            {
                "clip_id": c.id,
                "status": c.status,
                "model": c.model,
                "credits": c.credits_used,
                "duration": c.duration,
                "error_code": c.error_code,
            }
        )
    nodes: dict[int, dict[str, Any]] = {}
    roots: dict[int, list[dict[str, Any]]] = {pid: [] for pid in ids if pid is not None}
    for s in script_rows:
        nodes[s.id] = {
            "script_id": s.id,
            "tone": s.tone,
            "writer": s.writer,
            "product": s.product,
            "written_at": s.created_at.isoformat(),
            "clips": clips_by_script.get(s.id, []),
            "regenerations": [],
        }
    for s in script_rows:
        parent = nodes.get(s.parent_script_id) if s.parent_script_id else None
        if parent is not None:
            parent["regenerations"].append(nodes[s.id])
        else:
            roots.setdefault(s.image_id, []).append(nodes[s.id])
    return {
        "customer": None if owner is None else {"id": owner.id, "email": owner.email},
        "photos_total": total,
        "photos": [
            {
                "photo_id": p.id,
                "filename": p.original_filename or "",
                "uploaded_at": p.created_at.isoformat(),
                "scripts": roots.get(p.id or 0, []),
            }
            for p in photo_rows
        ],
    }
