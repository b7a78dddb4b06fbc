"""Providers: per provider and model, how reliably and how fast clips finish, what they
cost, and why they fail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from v4a_portal.models import VideoStatus, utcnow
from v4a_portal.services.analytics import sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.sql import videos


def report(session: Session, f: Filters) -> dict[str, Any]:
    provider = sql.label_or_none(videos.c.provider)
    window = [sql.in_window(videos.c.created_at, f), *sql.clip_conditions(f)]
    done = videos.c.status == VideoStatus.completed.value
    failed = videos.c.status == VideoStatus.failed.value
    stmt = (
        select(
            provider.label("provider"),
            videos.c.model,
            func.count(),
            sql.count_if(done),
            sql.count_if(failed),
            sql.count_if(videos.c.status == VideoStatus.canceled.value),
            func.sum(videos.c.attempts),
            sql.count_if(videos.c.refunded_at.is_not(None)),
            sql.sum_if(done, videos.c.credits_used),
            sql.sum_if(done, videos.c.duration),
        )
        .where(*window)
        .group_by(provider, videos.c.model)
        .order_by(func.count().desc())
    )
    seconds = (
        select(
            provider.label("provider"),
            videos.c.model.label("model"),
            sql.seconds_between(session, videos.c.completed_at, videos.c.created_at).label("x"),
        )
        .where(*window, done, videos.c.completed_at.is_not(None))
        .subquery()
    )
    latency = sql.percentiles(session, seconds, ["provider", "model"])
    rows = []
    for prov, model, clips, ok, bad, canceled, attempts, refunds, credits, secs in session.execute(
        stmt
    ):
        p50, p90 = latency.get((prov, model), [None, None])
        rows.append(
            {
                "provider": prov,
                "model": model,
                "clips": int(clips),
                "completed": int(ok),
                "failed": int(bad),
                "canceled": int(canceled),
                # Canceled clips are the customer's choice, not the provider's failure.
                "success_rate": sql.ratio(ok, int(ok) + int(bad)),
                "p50_seconds": p50,
                "p90_seconds": p90,
                "attempts_per_clip": sql.ratio(attempts, clips),
                "refunds": int(refunds),
                "credits_per_finished_second": sql.ratio(credits, secs),
            }
        )
    codes = (
        select(
            provider,
            videos.c.model,
            sql.label_or_none(videos.c.error_code, "unknown"),
            func.count(),
        )
        .where(*window, failed)
        .group_by(provider, videos.c.model, sql.label_or_none(videos.c.error_code, "unknown"))
        .order_by(func.count().desc())
    )
    failures = [
        {"provider": p, "model": m, "error_code": code, "clips": int(n)}
        for p, m, code, n in session.execute(codes)
    ]
    return {
        "filters": f.to_query(),
        "generated_at": utcnow().isoformat(),
        "providers": rows,
        "failures": failures,
        "table": rows,
    }
