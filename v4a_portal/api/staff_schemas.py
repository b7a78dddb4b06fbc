"""Request bodies of the staff actions (the answers are the services' own dataclasses)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from v4a_portal.models import Role
from v4a_portal.services.console.staff_credits import MAX_REASON

Reason = Field(min_length=1, max_length=MAX_REASON, description="Why; kept in the audit log.")
Category = Literal["goodwill", "compensation", "correction", "promotion", "other"]


class ReasonIn(BaseModel):
    reason: str = Reason


class CreditsIn(BaseModel):
    delta: int = Field(
        ge=-1_000_000, le=1_000_000, description="Credits to add (positive) or take (negative)."
    )
    category: Category
    reason: str = Reason


class RoleIn(BaseModel):
    role: Role
    reason: str = Reason


class RetryIn(BaseModel):
    charge: bool = Field(description="true: a normal debit (402 when short); false: waived.")
    model: str | None = Field(
        None, max_length=60, description="Another enabled model; the original's when absent."
    )
    reason: str = Reason


class BulkRetryIn(BaseModel):
    provider: str | None = Field(None, max_length=40)
    model: str | None = Field(None, max_length=60)
    error_code: str | None = Field(None, max_length=60)
    since: datetime | None = Field(None, description="Created at or after (inclusive).")
    until: datetime | None = Field(None, description="Created before (exclusive).")
    user_id: int | None = Field(None, ge=1, le=2**31 - 1)
    charge: bool = False
    reason: str = Field("", max_length=MAX_REASON, description="Required unless dry_run.")
    dry_run: bool = Field(True, description="Count the clips and credits; change nothing.")


class PaymentRefundIn(BaseModel):
    amount_cents: int | None = Field(
        None,
        ge=1,
        le=100_000_000,
        description="Cents to refund; all that is left of the payment when absent.",
    )
    reason: str = Reason
