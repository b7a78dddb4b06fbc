"""The tables of the analytics pages: sorted and paged on the server, exported as CSV.

A page keeps each table's full rows (already aggregated, so a few hundred at most) in a
backend var and sends the browser only the page it shows, formatted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from v4a_portal.services.analytics import numbers

PER_PAGE = 15


@dataclass
class TableView:
    columns: list[str] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    sort: str = ""
    descending: bool = True
    page: int = 1
    pages: int = 1
    total: int = 0
    label: str = "0 of 0"


def view(
    rows: list[dict[str, Any]],
    keys: list[str],
    *,
    sort: str = "",
    descending: bool = True,
    page: int = 1,
) -> TableView:
    """One page of `rows` sorted by the column `sort` (None and text last)."""
    ordered = rows
    if sort:
        present = [r for r in rows if r.get(sort) is not None]
        absent = [r for r in rows if r.get(sort) is None]
        ordered = sorted(present, key=lambda r: _sort_key(r[sort]), reverse=descending) + absent
    pages = max(1, -(-len(ordered) // PER_PAGE))
    page = min(max(page, 1), pages)
    shown = ordered[(page - 1) * PER_PAGE : page * PER_PAGE]
    first = (page - 1) * PER_PAGE + 1
    return TableView(
        columns=keys,
        headings=[numbers.title(k) for k in keys],
        rows=[[numbers.show(k, r.get(k)) for k in keys] for r in shown],
        sort=sort,
        descending=descending,
        page=page,
        pages=pages,
        total=len(ordered),
        label=f"{first}–{first + len(shown) - 1} of {len(ordered)}" if shown else "0 of 0",
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    # Numbers before text, so a mixed column still sorts without an error.
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    return (1, str(value).lower())
