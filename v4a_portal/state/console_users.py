"""Staff console → Users: search, sort and page through every account (users.view)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import accounts
from v4a_portal.state import formatting, messages
from v4a_portal.state.console_base import ConsoleState
from v4a_portal.state.paging import PER_PAGE, Paging

PERMISSION = "users.view"
# Numbers and dates read best biggest/newest first, text A→Z.
_DESCENDING_FIRST = {"created_at", "credits"}


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    name: str
    credits: int
    role: str
    role_label: str
    joined: str
    url: str
    disabled: bool


def _row(user: User) -> UserRow:
    assert user.id is not None
    return UserRow(
        id=user.id,
        email=user.email,
        name=user.name or "",
        credits=user.credits,
        role=user.role,
        role_label=messages.role_label(user.role),
        joined=formatting.day(user.created_at),
        url=routes.console_user(user.id),
        disabled=user.disabled,
    )


def _users_page(query: str, sort: str, descending: bool, page: int) -> tuple[list[UserRow], int]:
    with session_scope() as session:
        users, total = accounts.list_users(
            session, query=query, sort=sort, descending=descending, page=page, per_page=PER_PAGE
        )
    return [_row(u) for u in users], total


class ConsoleUsersState(Paging, ConsoleState):
    permission: ClassVar[str] = PERMISSION

    query: rx.Field[str] = rx.field("")
    sort: rx.Field[str] = rx.field("created_at")
    descending: rx.Field[bool] = rx.field(True)
    rows: rx.Field[list[UserRow]] = rx.field(default_factory=list)

    @rx.event
    async def load(self) -> EventSpec | None:
        return await self._reload()  # the guard before this event does any redirect

    @rx.event
    async def set_query(self, value: str):
        self.query = value[:200]  # as typed: the input shows it back; the service trims
        self.page = 1
        self.loading = True
        yield
        yield await self._reload()

    @rx.event
    async def sort_by(self, column: str):
        if column not in accounts.SORTABLE:
            return
        if column == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = column, column in _DESCENDING_FIRST
        self.page = 1
        self.loading = True
        yield
        yield await self._reload()

    async def _reload(self) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            self.rows, self.total, self.loading = [], 0, False
            return bounce
        self.rows, self.total = await asyncio.to_thread(
            _users_page, self.query, self.sort, self.descending, self.page
        )
        self.loading = False
        return None
