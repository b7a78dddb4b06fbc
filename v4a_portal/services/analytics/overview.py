"""Overview: the headline figures of a window against the window before it, and the
daily series.

Each table is read once: counts per day (and status) over both windows, summed into the two
periods here. Distinct customers, percentiles and credits need their own passes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from v4a_portal.models import LedgerKind, VideoStatus, utcnow
from v4a_portal.services.analytics import sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.sql import ledger, photos, scripts, videos

# Credits that came free (bonuses, grants, staff top-ups) as opposed to sold or refunded.
_GRANT_KINDS = (
    LedgerKind.signup_bonus,
    LedgerKind.daily_bonus,
    LedgerKind.subscription_grant,
    LedgerKind.staff_adjustment,
)
_SPEND_KINDS = (LedgerKind.script, LedgerKind.video)
_ENDED = ("completed", "failed", "canceled")
DAILY = ("uploads", "scripts", "clips_requested", "clips_completed", "clips_failed")

FIGURES = (
    "uploads",
    "scripts",
    "clips_requested",
    "clips_completed",
    "clips_failed",
    "clips_canceled",
    "completion_rate",
    "p50_seconds_to_clip",
    "p90_seconds_to_clip",
    "active_customers",
    "credits_granted",
    "credits_spent",
    "credits_refunded",
    "credits_sold",
)

Values = dict[str, float | None]


def report(session: Session, f: Filters) -> dict[str, Any]:
    by_period: dict[str, Values] = {
        "current": dict.fromkeys(FIGURES, 0),
        "previous": dict.fromkeys(FIGURES, 0),
    }
    days: dict[str, dict[str, int]] = {}
    start = f.start.isoformat()

    def add(day_value: Any, name: str, count: int) -> None:
        day = _iso(day_value)
        values = by_period["current" if day >= start else "previous"]
        values[name] = int(values[name] or 0) + count
        bucket = days.setdefault(day, dict.fromkeys(DAILY, 0))
        if name in bucket:
            bucket[name] += count

    for day_value, count in session.execute(_per_day(session, photos, sql.photo_conditions(f), f)):
        add(day_value, "uploads", int(count))
    for day_value, count in session.execute(
        _per_day(session, scripts, sql.script_conditions(f), f)
    ):
        add(day_value, "scripts", int(count))
    for day_value, status, count in session.execute(_clips_per_day(session, f)):
        add(day_value, "clips_requested", int(count))
        if status in _ENDED:
            add(day_value, f"clips_{status}", int(count))
    for label, count in session.execute(_active(f)):
        by_period[label]["active_customers"] = int(count)
    _credits(session, f, by_period)
    for values in by_period.values():
        ended = sum(int(values[f"clips_{status}"] or 0) for status in _ENDED)
        values["completion_rate"] = sql.ratio(values["clips_completed"], ended)
        values["p50_seconds_to_clip"] = values["p90_seconds_to_clip"] = None
    seconds = _clip_seconds(session, f)
    for (label,), (p50, p90) in sql.percentiles(session, seconds, ["period"]).items():
        by_period[label]["p50_seconds_to_clip"] = p50
        by_period[label]["p90_seconds_to_clip"] = p90
    current, previous = by_period["current"], by_period["previous"]
    figures = [
        {
            "figure": name,
            "value": current[name],
            "previous": previous[name],
            "change": _change(current[name], previous[name]),
        }
        for name in FIGURES
    ]
    window = (f.start + timedelta(days=n) for n in range(f.days))
    daily = [
        {"day": d.isoformat(), **days.get(d.isoformat(), dict.fromkeys(DAILY, 0))} for d in window
    ]
    return {
        "filters": f.to_query(),
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "generated_at": utcnow().isoformat(),
        "figures": figures,
        "daily": daily,
        "table": figures,
    }


def _change(now: float | None, before: float | None) -> float | None:
    """Relative change against the previous window; None when there was nothing before."""
    if now is None or not before:
        return None
    return (float(now) - float(before)) / float(before)


def _per_day(session: Session, table: Any, conditions: list[Any], f: Filters) -> Any:
    day = sql.day(session, table.c.created_at).label("d")
    return (
        select(day, func.count())
        .where(sql.in_both_windows(table.c.created_at, f), *conditions)
        .group_by(day)
    )


def _clips_per_day(session: Session, f: Filters) -> Any:
    day = sql.day(session, videos.c.created_at).label("d")
    return (
        select(day, videos.c.status, func.count())
        .where(sql.in_both_windows(videos.c.created_at, f), *sql.clip_conditions(f))
        .group_by(day, videos.c.status)
    )


def _active(f: Filters) -> Any:
    """Customers who uploaded, wrote a script or asked for a clip in the window."""
    actions = union_all(
        select(photos.c.user_id, photos.c.created_at).where(
            sql.in_both_windows(photos.c.created_at, f), *sql.photo_conditions(f)
        ),
        select(scripts.c.user_id, scripts.c.created_at).where(
            sql.in_both_windows(scripts.c.created_at, f), *sql.script_conditions(f)
        ),
        select(videos.c.user_id, videos.c.created_at).where(
            sql.in_both_windows(videos.c.created_at, f), *sql.clip_conditions(f)
        ),
    ).subquery()
    # Distinct (period, customer) pairs first: a hash of those is far cheaper than the sort
    # COUNT(DISTINCT) does per period.
    pairs = (
        select(sql.period(actions.c.created_at, f).label("p"), actions.c.user_id)
        .distinct()
        .subquery()
    )
    return select(pairs.c.p, func.count()).group_by(pairs.c.p)


def _clip_seconds(session: Session, f: Filters) -> Any:
    return (
        select(
            sql.period(videos.c.created_at, f).label("period"),
            sql.seconds_between(session, videos.c.completed_at, videos.c.created_at).label("x"),
        )
        .where(
            sql.in_both_windows(videos.c.created_at, f),
            videos.c.status == VideoStatus.completed.value,
            videos.c.completed_at.is_not(None),
            *sql.clip_conditions(f),
        )
        .subquery()
    )


def _credits(session: Session, f: Filters, by_period: dict[str, Values]) -> None:
    stmt = (
        select(
            sql.period(ledger.c.created_at, f).label("p"),
            ledger.c.kind,
            sql.sum_if(ledger.c.delta > 0, ledger.c.delta),
            sql.sum_if(ledger.c.delta < 0, ledger.c.delta),
        )
        .where(sql.in_both_windows(ledger.c.created_at, f), *_ledger_conditions(f))
        .group_by("p", ledger.c.kind)
    )
    for label, kind, plus, minus in session.execute(stmt):
        values = by_period[label]
        if kind in _GRANT_KINDS:
            values["credits_granted"] = int(values["credits_granted"] or 0) + int(plus)
        elif kind in _SPEND_KINDS:
            values["credits_spent"] = int(values["credits_spent"] or 0) - int(minus)
        elif kind == LedgerKind.refund:
            values["credits_refunded"] = int(values["credits_refunded"] or 0) + int(plus)
        elif kind == LedgerKind.purchase:
            values["credits_sold"] = int(values["credits_sold"] or 0) + int(plus)


def _ledger_conditions(f: Filters) -> list[Any]:
    sub = sql.subscriber_condition(ledger.c.user_id, f)
    return [] if sub is None else [sub]


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
