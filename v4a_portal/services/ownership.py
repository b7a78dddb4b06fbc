"""Reading a customer's own rows: one lookup and one page shape for photos, scripts and videos.

Another user's row answers exactly like a missing one, so ids cannot be probed.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlmodel import Session

from v4a_portal.services.errors import NotFound

MAX_PER_PAGE = 100


class Owned(Protocol):
    user_id: Any


T = TypeVar("T", bound=Owned)


def get_owned(session: Session, model: type[T], user_id: int, row_id: int, what: str) -> T:
    """The user's row of `model`; NotFound("No such <what>.") otherwise."""
    row = session.get(model, row_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"No such {what}.")
    return row


def clamp(page: int, per_page: int) -> tuple[int, int]:
    """A page number from 1 and a page size from 1 to MAX_PER_PAGE."""
    return max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)


def page_of(
    session: Session, query: Select[Any], page: int, per_page: int
) -> tuple[list[Any], int]:
    """One page of `query`'s rows (already ordered) and the total count."""
    page, per_page = clamp(page, per_page)
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = session.execute(query.offset((page - 1) * per_page).limit(per_page)).scalars()
    return list(rows), int(total.scalar_one())
