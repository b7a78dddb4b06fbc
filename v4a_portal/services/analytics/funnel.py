"""Funnel: of the customers who signed up in each week of the window, how many uploaded a
photo, wrote a script, asked for a clip, got a finished one, and downloaded one (ever)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from v4a_portal.models import Role, VideoStatus, utcnow
from v4a_portal.services.analytics import sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.sql import downloads, photos, scripts, users, videos

STEPS = ("signed_up", "uploaded", "scripted", "requested", "finished", "downloaded")


def report(session: Session, f: Filters) -> dict[str, Any]:
    clip_filter = sql.clip_conditions(replace(f, subscriber=""))
    script_filter = sql.script_conditions(replace(f, subscriber=""))

    def reached(*conditions: Any) -> Any:
        return select(videos.c.id).where(videos.c.user_id == users.c.id, *clip_filter, *conditions)

    cohort = sql.week(session, users.c.created_at).label("cohort")
    where = [users.c.role == Role.customer.value, sql.in_window(users.c.created_at, f)]
    if f.subscriber:
        where.append(users.c.is_subscriber == (f.subscriber == "yes"))
    done = videos.c.status == VideoStatus.completed.value
    stmt = (
        select(
            cohort,
            func.count(),
            sql.count_if(select(photos.c.id).where(photos.c.user_id == users.c.id).exists()),
            sql.count_if(
                select(scripts.c.id).where(scripts.c.user_id == users.c.id, *script_filter).exists()
            ),
            sql.count_if(reached().exists()),
            sql.count_if(reached(done).exists()),
            sql.count_if(
                reached(
                    and_(
                        done,
                        select(downloads.c.id).where(downloads.c.video_id == videos.c.id).exists(),
                    )
                ).exists()
            ),
        )
        .where(*where)
        .group_by(cohort)
        .order_by(cohort)
    )
    cohorts: list[dict[str, Any]] = []
    counts: list[dict[str, int]] = []
    for row in session.execute(stmt):
        week = row[0]
        steps = {step: int(v) for step, v in zip(STEPS, row[1:], strict=True)}
        counts.append(steps)
        cohorts.append(
            {"cohort_week": week.isoformat() if hasattr(week, "isoformat") else str(week)} | steps
        )
    totals = {step: sum(c[step] for c in counts) for step in STEPS}
    return {
        "filters": f.to_query(),
        "generated_at": utcnow().isoformat(),
        "totals": totals,
        "cohorts": cohorts,
        "table": cohorts,
    }
