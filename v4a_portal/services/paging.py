"""One page of an ordered query and the total it belongs to, counting only when needed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

# A capped count stops this many rows past the page: "1–20 of 10,000+" instead of counting a
# million rows for a number nobody pages through (the unfiltered clips list, bench/console.py).
COUNT_CAP = 10_000


class PageSlice(NamedTuple):
    rows: list[Any]
    total: int  # with `capped`, a lower bound: at least this many match
    capped: bool


def paged(rows: Select[Any]) -> Select[Any]:
    """`rows` with its offset and limit as bind parameters, for `page_rows`. A statement
    built once this way (at import) is also hashed for SQLAlchemy's statement cache once,
    rather than on every call."""
    return rows.offset(bindparam("page_offset", type_=Integer)).limit(
        bindparam("page_limit", type_=Integer)
    )


def capped_count(matches: Select[Any]) -> Select[Any]:
    """How many rows `matches` (a select of one column, unordered) yields, reading no more
    than the bound `count_limit`: give it to `page_rows` with `capped=True`."""
    limited = matches.limit(bindparam("count_limit", type_=Integer)).subquery()
    return select(func.count()).select_from(limited)


def page_rows(
    db: Session | Connection,
    rows: Select[Any],
    count: Select[Any],
    page: int,
    per_page: int,
    params: Mapping[str, Any] | None = None,
    *,
    capped: bool = False,
) -> PageSlice:
    """Page `page` of `rows` (ordered, made by `paged`) and how many rows match in all.

    Reads one row more than the page holds: when the page reaches the end, the total
    follows from it and `count` is not run. A search with a few matches or one customer's
    ledger is then one statement instead of two, and no count scans the matches again.
    `params` fill the statements' other bind parameters. With `capped`, `count` is a
    `capped_count` that stops `COUNT_CAP` rows past this page."""
    page, per_page = max(page, 1), max(per_page, 1)
    offset = (page - 1) * per_page
    bounds = {"page_offset": offset, "page_limit": per_page + 1}
    found = list(db.execute(rows, {**(params or {}), **bounds}).all())
    if len(found) <= per_page and (found or page == 1):
        return PageSlice(found, offset + len(found), False)
    if not capped:
        return PageSlice(found[:per_page], int(db.execute(count, params).scalar_one()), False)
    limit = offset + COUNT_CAP
    total = int(db.execute(count, {**(params or {}), "count_limit": limit + 1}).scalar_one())
    return PageSlice(found[:per_page], min(total, limit), total > limit)
