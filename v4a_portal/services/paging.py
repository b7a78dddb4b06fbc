"""One page of an ordered query and the total it belongs to, counting only when needed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, Select, bindparam
from sqlalchemy.engine import Connection
from sqlmodel import Session


def paged(rows: Select[Any]) -> Select[Any]:
    """`rows` with its offset and limit as bind parameters, for `page_rows`. A statement
    built once this way (at import) is also hashed for SQLAlchemy's statement cache once,
    rather than on every call."""
    return rows.offset(bindparam("page_offset", type_=Integer)).limit(
        bindparam("page_limit", type_=Integer)
    )


def page_rows(
    db: Session | Connection,
    rows: Select[Any],
    count: Select[Any],
    page: int,
    per_page: int,
    params: Mapping[str, Any] | None = None,
) -> tuple[list[Any], int]:
    """Page `page` of `rows` (ordered, made by `paged`) and how many rows match in all.

    Reads one row more than the page holds: when the page reaches the end, the total
    follows from it and `count` is not run. A search with a few matches or one customer's
    ledger is then one statement instead of two, and no count scans the matches again.
    `params` fill the statements' other bind parameters."""
    page, per_page = max(page, 1), max(per_page, 1)
    bounds = {"page_offset": (page - 1) * per_page, "page_limit": per_page + 1}
    found = list(db.execute(rows, {**(params or {}), **bounds}).all())
    if len(found) <= per_page and (found or page == 1):
        return found, (page - 1) * per_page + len(found)
    return found[:per_page], int(db.execute(count, params).scalar_one())
