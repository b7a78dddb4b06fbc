"""The account page: the signed-in user's balance and credit history, newest first."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger
from v4a_portal.services import ledger
from v4a_portal.state import formatting, messages
from v4a_portal.state.auth import AuthState
from v4a_portal.state.paging import PER_PAGE, Paging


@dataclass(frozen=True)
class LedgerRow:
    id: int
    kind: str
    delta: str
    is_credit: bool
    balance_after: int
    reference: str
    note: str
    when: str


def _row(entry: CreditLedger) -> LedgerRow:
    assert entry.id is not None
    return LedgerRow(
        id=entry.id,
        kind=messages.kind_label(entry.kind),
        delta=formatting.signed(entry.delta),
        is_credit=entry.delta > 0,
        balance_after=entry.balance_after,
        reference=entry.reference or "",
        note=entry.note or "",
        when=formatting.timestamp(entry.created_at),
    )


def _history_page(user_id: int, page: int) -> tuple[list[LedgerRow], int]:
    with session_scope() as session:
        rows, total = ledger.history(session, user_id, page=page, per_page=PER_PAGE)
    return [_row(r) for r in rows], total


class AccountState(Paging, AuthState):
    entries: list[LedgerRow] = []  # noqa: RUF012 (a Reflex var default, copied per client)

    @rx.event
    async def load(self) -> None:
        self.page = 1
        await self._reload()  # the guard before this event does any redirect

    async def _reload(self) -> EventSpec | None:
        user = await self._signed_in()
        if user is None or user.id is None:
            self.entries, self.total, self.loading = [], 0, False
            return self._bounce(user)
        self.entries, self.total = await asyncio.to_thread(_history_page, user.id, self.page)
        self.loading = False
        return None
