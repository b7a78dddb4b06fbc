"""Funnel: of the customers who signed up in each week of the window, how many uploaded a
photo, wrote a script, asked for a clip, got a finished one, and downloaded one (ever)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from v4a_portal.models import Role, VideoStatus, utcnow
from v4a_portal.services.analytics import sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.sql import photos, scripts, users, videos

STEPS = ("signed_up", "uploaded", "scripted", "requested", "finished", "downloaded")


def report(session: Session, f: Filters) -> dict[str, Any]:
    stmt = _per_cohort(session, f)
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


def _per_cohort(session: Session, f: Filters) -> Any:
    """One row per sign-up week: how many of its customers reached each step.

    Each step is one pass over the cohort's own rows (joined on the user, grouped per
    user), not a correlated EXISTS per customer: PostgreSQL runs those as hashed subplans
    over every clip ever made, whatever the window. A customer's photos, scripts and clips
    come after their sign-up, so each pass reads only rows from the window's start on.
    """
    where = [users.c.role == Role.customer.value, sql.in_window(users.c.created_at, f)]
    if f.subscriber:
        where.append(users.c.is_subscriber == (f.subscriber == "yes"))
    cohort = (
        select(users.c.id.label("user_id"), sql.week(session, users.c.created_at).label("week"))
        .where(*where)
        .cte("cohort")
    )
    uploaded = (
        select(photos.c.user_id)
        .join(cohort, cohort.c.user_id == photos.c.user_id)
        .where(photos.c.created_at >= f.since)
        .distinct()
        .subquery("uploaded")
    )
    scripted = (
        select(scripts.c.user_id)
        .join(cohort, cohort.c.user_id == scripts.c.user_id)
        .where(scripts.c.created_at >= f.since, *sql.script_conditions(replace(f, subscriber="")))
        .distinct()
        .subquery("scripted")
    )
    done = videos.c.status == VideoStatus.completed.value
    clipped = (
        select(
            videos.c.user_id,
            func.max(case((done, 1), else_=0)).label("finished"),
            func.max(case((and_(done, sql.downloaded(videos.c.id)), 1), else_=0)).label(
                "downloaded"
            ),
        )
        .join(cohort, cohort.c.user_id == videos.c.user_id)
        .where(videos.c.created_at >= f.since, *sql.clip_conditions(replace(f, subscriber="")))
        .group_by(videos.c.user_id)
        .subquery("clipped")
    )
    return (
        select(
            cohort.c.week,
            func.count(),
            func.count(uploaded.c.user_id),
            func.count(scripted.c.user_id),
            func.count(clipped.c.user_id),
            func.coalesce(func.sum(clipped.c.finished), 0),
            func.coalesce(func.sum(clipped.c.downloaded), 0),
        )
        .select_from(
            cohort.outerjoin(uploaded, uploaded.c.user_id == cohort.c.user_id)
            .outerjoin(scripted, scripted.c.user_id == cohort.c.user_id)
            .outerjoin(clipped, clipped.c.user_id == cohort.c.user_id)
        )
        .group_by(cohort.c.week)
        .order_by(cohort.c.week)
    )
