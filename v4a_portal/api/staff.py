"""Staff console endpoints; every route asks the permission module."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from v4a_portal.api.deps import DbSession, PageNumber, PerPage, RowId, require
from v4a_portal.api.schemas import LedgerPage, UserOut, UserPage
from v4a_portal.models import User
from v4a_portal.services import accounts, ledger, sign_out

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


@router.get("/users", response_model=UserPage, summary="Search and page through users")
def list_users(
    _: Annotated[User, Depends(require("users.view"))],
    session: DbSession,
    q: str = Query("", max_length=200),
    sort: str = "created_at",
    order: str = Query("desc", pattern="^(asc|desc)$"),
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> UserPage:
    rows, total = accounts.list_users(
        session, query=q, sort=sort, descending=order == "desc", page=page, per_page=per_page
    )
    items = [UserOut.model_validate(u, from_attributes=True) for u in rows]
    return UserPage(items=items, total=total, page=page, per_page=per_page)


@router.get("/users/{user_id}/credits", response_model=LedgerPage)
def user_credits(
    user_id: RowId,
    _: Annotated[User, Depends(require("credits.view"))],
    session: DbSession,
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> LedgerPage:
    accounts.get(session, user_id)
    rows, total = ledger.history(session, user_id, page=page, per_page=per_page)
    return LedgerPage.build(ledger.balance(session, user_id), rows, total, page, per_page)


@router.post(
    "/users/{user_id}/sign-out",
    summary="Sign a user out everywhere",
    description="Ends every browser session and every API sign-in of the user at once: "
    "refresh tokens and the access tokens issued with them stop working immediately.",
)
def sign_out_everywhere(
    user_id: RowId,
    staff: Annotated[User, Depends(require("users.sign_out"))],
    session: DbSession,
) -> dict[str, int]:
    done = sign_out.everywhere(session, user_id, actor=staff)
    return {"sessions": done.sessions, "token_families": done.token_families}
