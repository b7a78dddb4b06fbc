"""Overview: the headline figures of a window against the window before it, and the
daily series."""

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


def report(session: Session, f: Filters) -> dict[str, Any]:
    current: dict[str, float | None] = dict.fromkeys(FIGURES, 0)
    previous: dict[str, float | None] = dict.fromkeys(FIGURES, 0)
    by_period = {"current": current, "previous": previous}
    for name, stmt in _counts(session, f).items():
        for label, value in session.execute(stmt):
            by_period[label][name] = int(value or 0)
    for label, status, count in session.execute(_clip_statuses(f)):
        values = by_period[label]
        values["clips_requested"] = int(values["clips_requested"] or 0) + int(count)
        if status in _ENDED:
            values[f"clips_{status}"] = int(count)
    _credits(session, f, by_period)
    for values in by_period.values():
        ended = sum(int(values[f"clips_{status}"] or 0) for status in _ENDED)
        values["completion_rate"] = sql.ratio(values["clips_completed"], ended)
        values["p50_seconds_to_clip"] = values["p90_seconds_to_clip"] = None
    for (label,), (p50, p90) in sql.percentiles(
        session, _clip_seconds(session, f), ["period"]
    ).items():
        by_period[label]["p50_seconds_to_clip"] = p50
        by_period[label]["p90_seconds_to_clip"] = p90
    figures = [
        {
            "figure": name,
            "value": current[name],
            "previous": previous[name],
            "change": _change(current[name], previous[name]),
        }
        for name in FIGURES
    ]
    return {
        "filters": f.to_query(),
        "start": f.start.isoformat(),
        "end": f.end.isoformat(),
        "generated_at": utcnow().isoformat(),
        "figures": figures,
        "daily": _daily(session, f),
        "table": figures,
    }


def _change(now: float | None, before: float | None) -> float | None:
    """Relative change against the previous window; None when there was nothing before."""
    if now is None or not before:
        return None
    return (float(now) - float(before)) / float(before)


def _counts(session: Session, f: Filters) -> dict[str, Any]:
    uploads = (
        select(sql.period(photos.c.created_at, f).label("p"), func.count())
        .where(sql.in_both_windows(photos.c.created_at, f), *sql.photo_conditions(f))
        .group_by("p")
    )
    written = (
        select(sql.period(scripts.c.created_at, f).label("p"), func.count())
        .where(sql.in_both_windows(scripts.c.created_at, f), *sql.script_conditions(f))
        .group_by("p")
    )
    return {"uploads": uploads, "scripts": written, "active_customers": _active(f)}


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
    return select(
        sql.period(actions.c.created_at, f).label("p"),
        func.count(func.distinct(actions.c.user_id)),
    ).group_by("p")


def _clip_statuses(f: Filters) -> Any:
    return (
        select(sql.period(videos.c.created_at, f).label("p"), videos.c.status, func.count())
        .where(sql.in_both_windows(videos.c.created_at, f), *sql.clip_conditions(f))
        .group_by("p", videos.c.status)
    )


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


def _credits(session: Session, f: Filters, by_period: dict[str, dict[str, float | None]]) -> None:
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


def _daily(session: Session, f: Filters) -> list[dict[str, Any]]:
    """Per day of the window: uploads, scripts, clips requested, completed and failed."""
    series: dict[str, dict[str, int]] = {}

    def add(stmt: Any, *names: str) -> None:
        for row in session.execute(stmt):
            bucket = series.setdefault(_iso(row[0]), {})
            for name, value in zip(names, row[1:], strict=True):
                bucket[name] = int(value or 0)

    pday = sql.day(session, photos.c.created_at).label("d")
    add(
        select(pday, func.count())
        .where(sql.in_window(photos.c.created_at, f), *sql.photo_conditions(f))
        .group_by(pday),
        "uploads",
    )
    sday = sql.day(session, scripts.c.created_at).label("d")
    add(
        select(sday, func.count())
        .where(sql.in_window(scripts.c.created_at, f), *sql.script_conditions(f))
        .group_by(sday),
        "scripts",
    )
    vday = sql.day(session, videos.c.created_at).label("d")
    add(
        select(
            vday,
            func.count(),
            sql.count_if(videos.c.status == VideoStatus.completed.value),
            sql.count_if(videos.c.status == VideoStatus.failed.value),
        )
        .where(sql.in_window(videos.c.created_at, f), *sql.clip_conditions(f))
        .group_by(vday),
        "clips_requested",
        "clips_completed",
        "clips_failed",
    )
    names = ("uploads", "scripts", "clips_requested", "clips_completed", "clips_failed")
    days = (f.start + timedelta(days=n) for n in range(f.days))
    return [
        {"day": d.isoformat(), **{n: series.get(d.isoformat(), {}).get(n, 0) for n in names}}
        for d in days
    ]


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
