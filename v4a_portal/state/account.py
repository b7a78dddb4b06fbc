"""The account page: the signed-in user's balance and credit history, newest first."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger
from v4a_portal.services import ledger, ledger_subjects
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
    # What it paid for or gave back, in words ("Clip #21"), and where that is ("" for none).
    reference: str
    reference_url: str
    note: str
    when: str


# References that only repeat who the entry is for, or name demo data: nothing to show.
_UNSHOWN_REFERENCES = ("user:", "demo-")
_PACK = "pack:"


def _row(entry: CreditLedger, subject: ledger_subjects.Subject) -> LedgerRow:
    assert entry.id is not None
    words = messages.ledger_subject(
        subject.what, subject.script_id, subject.parent_id, subject.video_id, subject.clips
    )
    raw = entry.reference or ""
    if not words and raw.startswith(_PACK):
        words = messages.credit_pack(raw[len(_PACK) :])
    elif not words and not raw.startswith(_UNSHOWN_REFERENCES):
        words = raw  # e.g. a support ticket a staff member named
    return LedgerRow(
        id=entry.id,
        kind=messages.ledger_activity(entry.kind, bool(subject.parent_id)),
        delta=formatting.signed(entry.delta),
        is_credit=entry.delta > 0,
        balance_after=entry.balance_after,
        reference=words,
        reference_url=_link(subject),
        note=messages.ledger_note(entry.kind, entry.note or ""),
        when=formatting.timestamp(entry.created_at),
    )


def _link(subject: ledger_subjects.Subject) -> str:
    if subject.what == "script":
        return routes.studio(script=subject.script_id)
    if subject.what == "script_request" and subject.parent_id:
        return routes.studio(script=subject.parent_id)
    if subject.what in ("clip", "batch"):
        return routes.library(tab="videos")
    return ""


def _history_page(user_id: int, page: int) -> tuple[list[LedgerRow], int]:
    with session_scope() as session:
        rows, total = ledger.history(session, user_id, page=page, per_page=PER_PAGE)
        found = ledger_subjects.subjects(session, user_id, rows)
    return [_row(r, found[r.id or 0]) for r in rows], total


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
