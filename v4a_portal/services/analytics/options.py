"""The values the filter bar offers: those seen in the window, so every choice finds rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from v4a_portal.services.analytics import sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.sql import scripts, videos

# Enough for any real catalog or brief form; a free-text audience could have thousands.
LIMIT = 50


def choices(session: Session, f: Filters) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, table in (
        ("model", videos),
        ("provider", videos),
        ("writer", scripts),
        ("tone", scripts),
        ("audience", scripts),
    ):
        column = table.c[name]
        stmt = (
            select(column)
            .distinct()
            .where(sql.in_window(table.c.created_at, f), column.is_not(None))
            .order_by(column)
            .limit(LIMIT)
        )
        values = [str(v) for v in session.execute(stmt).scalars()]
        # The chosen value stays offered even when the window no longer holds it.
        if (chosen := getattr(f, name)) and chosen not in values:
            values.insert(0, chosen)
        out[name] = values
    return out
