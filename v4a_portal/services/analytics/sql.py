"""SQL pieces the analytics queries share: tables, filter conditions, and the few
expressions PostgreSQL and SQLite spell differently (days, weeks, seconds, percentiles)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Date,
    Float,
    Integer,
    MetaData,
    Select,
    String,
    Subquery,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from v4a_portal.models import (
    AdResult,
    CreditLedger,
    GeneratedScript,
    UploadedImage,
    User,
    Video,
    VideoDownload,
)
from v4a_portal.services.analytics.filters import Filters

videos = Video.__table__
scripts = GeneratedScript.__table__
photos = UploadedImage.__table__  # type: ignore[attr-defined]
users = User.__table__
ledger = CreditLedger.__table__
downloads = VideoDownload.__table__  # type: ignore[attr-defined]
ad_results = AdResult.__table__  # type: ignore[attr-defined]

NONE_LABEL = "(none)"


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def tune_for_reports(session: Session) -> None:
    """Settings for this transaction's report queries, on PostgreSQL.

    The planner's estimates of the recursive and correlated queries are far off, which
    makes it JIT-compile plans that then run in well under a second: the compiling alone
    took 0.4 s of a 1.8 s query at a million clips. Sorts and hashes of a 90-day window
    (a few hundred thousand rows) fit in 64 MB instead of spilling to disk.
    """
    if dialect(session) == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL work_mem = '64MB'"))


@contextmanager
def materialized(
    session: Session, name: str, columns: Sequence[Column[Any]], query: Select[Any]
) -> Iterator[Table]:
    """The rows of `query` as a temporary table while the block runs: a set that several
    statements read is computed once (a subquery is recomputed by each)."""
    table = Table(
        f"{name}_{uuid.uuid4().hex[:12]}",
        MetaData(),
        *columns,
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    connection = session.connection()
    table.create(connection)
    session.execute(table.insert().from_select([c.name for c in columns], query))
    yield table
    if dialect(session) != "postgresql":
        # SQLite keeps a temporary table for the connection's life; PostgreSQL drops it at
        # commit, and a rollback undoes its creation on both.
        table.drop(connection)


def in_window(column: Any, f: Filters) -> ColumnElement[bool]:
    return and_(column >= f.since, column < f.until)


def in_both_windows(column: Any, f: Filters) -> ColumnElement[bool]:
    """This window and the one before it, read in one pass (see `period`)."""
    return and_(column >= f.previous().since, column < f.until)


def period(column: Any, f: Filters) -> ColumnElement[str]:
    return case(
        (column >= f.since, literal_column("'current'")), else_=literal_column("'previous'")
    )


def subscriber_condition(user_id: Any, f: Filters) -> ColumnElement[bool] | None:
    """Rows of subscribers (or of the others); users.is_subscriber is the flag of today."""
    if not f.subscriber:
        return None
    return exists().where(users.c.id == user_id, users.c.is_subscriber == (f.subscriber == "yes"))


def script_conditions(f: Filters, s: Any = scripts) -> list[ColumnElement[bool]]:
    conditions = [
        s.c[name] == getattr(f, name) for name in ("writer", "tone", "audience") if getattr(f, name)
    ]
    if (sub := subscriber_condition(s.c.user_id, f)) is not None:
        conditions.append(sub)
    return conditions


def clip_conditions(f: Filters, v: Any = videos) -> list[ColumnElement[bool]]:
    """A clip's own filters, plus its script's (a clip without a script has no writer)."""
    conditions = [
        v.c[name] == getattr(f, name) for name in ("model", "provider") if getattr(f, name)
    ]
    if f.script_filtered:
        s = scripts.alias("clip_script")
        conditions.append(
            exists().where(s.c.id == v.c.script_id, *script_conditions(_no_subscriber(f), s))
        )
    if (sub := subscriber_condition(v.c.user_id, f)) is not None:
        conditions.append(sub)
    return conditions


def photo_conditions(f: Filters, p: Any = photos) -> list[ColumnElement[bool]]:
    sub = subscriber_condition(p.c.user_id, f)
    return [] if sub is None else [sub]


def _no_subscriber(f: Filters) -> Filters:
    return replace(f, subscriber="")


def downloaded(video_id: Any) -> ColumnElement[bool]:
    return exists().where(downloads.c.video_id == video_id)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def sum_if(condition: ColumnElement[bool], value: Any) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def label_or_none(column: Any, none: str = NONE_LABEL) -> ColumnElement[str]:
    """The value as text, or a label for none. The label is written into the SQL, not bound:
    PostgreSQL groups by an expression only when its parameters are the same ones."""
    return func.coalesce(cast(column, String()), literal_column(f"'{none}'"))


def seconds_between(session: Session, later: Any, earlier: Any) -> ColumnElement[float]:
    if dialect(session) == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    # julianday() is a float of days: rounding to the millisecond drops its float noise.
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)


def day(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp."""
    if dialect(session) == "postgresql":
        return cast(func.timezone("UTC", column), Date())
    return func.date(column)


def week(session: Session, column: Any) -> ColumnElement[Any]:
    """The Monday (UTC) starting the week of a timestamp."""
    if dialect(session) == "postgresql":
        return cast(func.date_trunc("week", func.timezone("UTC", column)), Date())
    return func.date(column, "-6 days", "weekday 1")


def percentiles(
    session: Session, source: Subquery, keys: Sequence[str], ps: Sequence[float] = (0.5, 0.9)
) -> dict[tuple[Any, ...], list[float | None]]:
    """Exact continuous percentiles of `source.c.x` per group of `keys`.

    PostgreSQL has percentile_cont. SQLite gets the same answer from ranks: the value at
    position p·(n-1) of the sorted group, interpolated between its two neighbours.
    """
    group = [source.c[k] for k in keys]
    stmt: Select[Any]
    if dialect(session) == "postgresql":
        stmt = select(
            *group, *[func.percentile_cont(p).within_group(source.c.x) for p in ps]
        ).group_by(*group)
    else:
        ranked = select(
            *group,
            source.c.x,
            (func.row_number().over(partition_by=group or None, order_by=source.c.x) - 1).label(
                "rn"
            ),
            func.count().over(partition_by=group or None).label("n"),
        ).subquery()
        rgroup = [ranked.c[k] for k in keys]
        stmt = select(*rgroup, *[_ranked_percentile(ranked, p) for p in ps]).group_by(*rgroup)
    out: dict[tuple[Any, ...], list[float | None]] = {}
    for row in session.execute(stmt):
        values = list(row)
        out[tuple(values[: len(keys)])] = [
            None if v is None else float(v) for v in values[len(keys) :]
        ]
    return out


def _ranked_percentile(ranked: Subquery, p: float) -> ColumnElement[float]:
    position = literal(p, Float) * (ranked.c.n - 1)
    low = cast(position, Integer)  # positions are >= 0, so the cast floors
    fraction = position - low
    at_low = func.max(case((ranked.c.rn == low, ranked.c.x)))
    at_high = func.max(case((ranked.c.rn == low + 1, ranked.c.x)))
    return at_low + fraction * (func.coalesce(at_high, at_low) - at_low)


def ratio(part: float | int | None, whole: float | int | None) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    if not whole:
        return None
    return float(part or 0) / float(whole)
