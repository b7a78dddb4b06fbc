"""Precomputed reports for the standard windows, refreshed by the maintenance job.

At a million clips the live queries of a 90-day window take seconds; analysts open the
standard windows far more often than any other view. The maintenance sweep recomputes
those reports (no filters) every `V4A_ANALYTICS_REFRESH_MINUTES`, with the same live
queries, and the API and pages serve the stored result while it is fresh: exact as of its
`computed_at`, which every page shows. Any other filter or window is computed live.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from v4a_portal.db import session_scope
from v4a_portal.models import AnalyticsSnapshot, utcnow
from v4a_portal.services.analytics import effectiveness, funnel, lineage, overview, providers, sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)
snapshots = AnalyticsSnapshot.__table__  # type: ignore[attr-defined]

WINDOWS = ("30d", "90d")
REPORTS: dict[str, Any] = {
    "overview": overview.report,
    "lineage": lineage.report,
    "scripts": effectiveness.report,
    "funnel": funnel.report,
    "providers": providers.report,
}


def compute(session: Session, name: str, f: Filters, **options: Any) -> dict[str, Any]:
    """Run the report `name` live, with the session tuned for one large read."""
    sql.tune_for_reports(session)
    payload: dict[str, Any] = REPORTS[name](session, f, **options)
    return payload


def key(f: Filters, **options: Any) -> str | None:
    """The snapshot a request may be served from: a standard window and no filters."""
    query = f.to_query()
    window = query.pop("window", "30d")
    if query or window not in WINDOWS:
        return None
    extra = "".join(f"&{k}={v}" for k, v in sorted(options.items()) if v is not None)
    return f"window={window}{extra}"


def fresh(session: Session, report: str, f: Filters, **options: Any) -> dict[str, Any] | None:
    """The stored report for this request, if there is one young enough; else None."""
    query = key(f, **options)
    if query is None:
        return None
    row = session.execute(
        select(snapshots.c.payload, snapshots.c.computed_at).where(
            snapshots.c.report == report, snapshots.c.query == query
        )
    ).first()
    if row is None or _age(row.computed_at) > _max_age():
        return None
    payload: dict[str, Any] = json.loads(row.payload)
    if payload.get("end") and payload["end"] != f.end.isoformat():
        return None  # computed yesterday: the window has moved on
    return payload


def _age(computed_at: datetime) -> timedelta:
    return utcnow() - computed_at


def _max_age() -> timedelta:
    # Two refresh intervals: a refresh that is running late still serves the last one.
    return timedelta(minutes=2 * get_settings().analytics_refresh_minutes)


def due() -> bool:
    """True when a snapshot is missing or the oldest is older than the refresh interval."""
    interval = timedelta(minutes=get_settings().analytics_refresh_minutes)
    with session_scope() as session:
        oldest = session.execute(select(func.min(snapshots.c.computed_at))).scalar_one()
        count = session.execute(select(func.count()).select_from(snapshots)).scalar_one()
    return oldest is None or count < len(_plan()) or _age(oldest) >= interval


def _plan() -> list[tuple[str, str, dict[str, Any]]]:
    plan = []
    for window in WINDOWS:
        for name in REPORTS:
            options = {"by": "tone"} if name == "scripts" else {}
            plan.append((name, window, options))
    return plan


def refresh() -> int:
    """Compute and store every standard report now, each in its own short transaction."""
    stored = 0
    for name, window, options in _plan():
        f = Filters.from_query({"window": window})
        started = time.perf_counter()
        with session_scope() as session:
            payload = compute(session, name, f, **options)
        seconds = time.perf_counter() - started
        payload["computed_at"] = utcnow().isoformat()
        payload["end"] = f.end.isoformat()
        _store(name, key(f, **options) or "", payload, seconds)
        log.info("analytics snapshot %s %s: %.2f s", name, window, seconds)
        stored += 1
    return stored


def _store(name: str, query: str, payload: dict[str, Any], seconds: float) -> None:
    values = {
        "report": name,
        "query": query,
        "computed_at": utcnow(),
        "seconds": seconds,
        "payload": json.dumps(payload, default=str),
    }
    with session_scope() as session:
        insert = pg_insert if sql.dialect(session) == "postgresql" else sqlite_insert
        stmt = insert(snapshots).values(**values)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["report", "query"],
                set_={k: stmt.excluded[k] for k in ("computed_at", "seconds", "payload")},
            )
        )


def forget(session: Session, report: str) -> None:
    """Drop the stored `report`s (their figures changed): served live until the next refresh."""
    session.execute(snapshots.delete().where(snapshots.c.report == report))
