"""Response shapes shared by the v1 routers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from v4a_portal.models import CreditLedger, User


class MeOut(BaseModel):
    id: int
    email: str
    name: str | None
    picture: str | None
    credits: int
    role: str
    is_subscriber: bool
    subscription_plan: str | None
    subscription_status: str | None
    subscription_expires_at: datetime | None
    created_at: datetime

    @classmethod
    def from_user(cls, user: User) -> MeOut:
        return cls.model_validate(user, from_attributes=True)


class UserOut(MeOut):
    disabled: bool
    last_login_at: datetime | None


class LedgerEntryOut(BaseModel):
    id: int
    delta: int
    balance_after: int
    kind: str
    reference: str | None
    note: str | None
    created_at: datetime


class LedgerPage(BaseModel):
    balance: int
    items: list[LedgerEntryOut]
    total: int
    page: int
    per_page: int

    @classmethod
    def build(
        cls, balance: int, rows: list[CreditLedger], total: int, page: int, per_page: int
    ) -> LedgerPage:
        items = [LedgerEntryOut.model_validate(r, from_attributes=True) for r in rows]
        return cls(balance=balance, items=items, total=total, page=page, per_page=per_page)


class UserPage(BaseModel):
    items: list[UserOut]
    total: int
    page: int
    per_page: int
