"""The signed-in user's own account."""

from __future__ import annotations

from fastapi import APIRouter

from v4a_portal.api.deps import CurrentUser, DbSession, PageNumber, PerPage
from v4a_portal.api.schemas import LedgerPage, MeOut
from v4a_portal.services import ledger

router = APIRouter(prefix="/api/v1", tags=["account"])


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser) -> MeOut:
    return MeOut.from_user(user)


@router.get("/me/credits", response_model=LedgerPage, summary="Balance and ledger history")
def my_credits(
    user: CurrentUser,
    session: DbSession,
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> LedgerPage:
    assert user.id is not None
    rows, total = ledger.history(session, user.id, page=page, per_page=per_page)
    return LedgerPage.build(ledger.balance(session, user.id), rows, total, page, per_page)
