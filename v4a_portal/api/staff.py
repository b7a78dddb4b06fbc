"""Staff console endpoints: the users list and every staff action, and the audit log (the
reads of a user's detail, clips and queues are in staff_views.py). Each route asks the
permission module through its dependency, and the service it calls asks again and writes the
audit row, with the client's IP and user agent taken from the request."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import RedirectResponse, StreamingResponse

from v4a_portal.api.deps import MAX_ROW_ID, DbSession, PageNumber, PerPage, RowId, require
from v4a_portal.api.schemas import LedgerPage, UserOut, UserPage
from v4a_portal.api.staff_schemas import (
    BulkRetryIn,
    CreditsIn,
    PaymentRefundIn,
    ReasonIn,
    RetryIn,
    RoleIn,
)
from v4a_portal.models import User
from v4a_portal.services import accounts, ledger
from v4a_portal.services.console import (
    audit_log,
    staff_accounts,
    staff_credits,
    staff_payments,
    staff_videos,
)
from v4a_portal.services.console.context import StaffContext

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=staff_credits.MAX_KEY,
        description="Makes a retried request safe: the same key answers with the first result.",
    ),
]


def _ctx(request: Request, user: User) -> StaffContext:
    return StaffContext(
        actor=user,
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


def _acting(permission: str) -> object:
    """A dependency: the staff member holding `permission`, as a StaffContext."""
    check = require(permission)

    # A default, not Annotated: this module's annotations are strings, and `check` is local.
    def _context(request: Request, user: User = Depends(check)) -> StaffContext:
        return _ctx(request, user)

    return Depends(_context)


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


# --- credits -----------------------------------------------------------------------------


@router.post(
    "/users/{user_id}/credits",
    response_model=staff_credits.Adjusted,
    summary="Adjust a user's credits (+ or -) with a category and a reason",
    description="One `staff_adjustment` ledger row and one audit row. Support may adjust at "
    "most V4A_SUPPORT_ADJUST_LIMIT credits per request and V4A_SUPPORT_DAILY_LIMIT per UTC "
    "day (422 `over_limit`); admins have no limit. A debit below zero is 409 `below_zero`. "
    "Send an `Idempotency-Key`: the same key answers with the first adjustment "
    "(`replayed: true`), and with another amount is 409 `key_reused`.",
)
def adjust_credits(
    user_id: RowId,
    body: CreditsIn,
    ctx: Annotated[StaffContext, _acting("credits.adjust")],
    idempotency_key: IdempotencyKey = None,
) -> staff_credits.Adjusted:
    key = idempotency_key or staff_credits.new_key()
    return staff_credits.adjust(ctx, user_id, body.delta, body.category, body.reason, key)


# --- accounts ----------------------------------------------------------------------------


@router.post(
    "/users/{user_id}/disable",
    response_model=staff_accounts.AccountChange,
    summary="Disable an account: refused at once everywhere; its sessions end",
    description="Cookie sessions, access tokens and refresh tokens stop working at once; "
    "running clips finish normally. 409 `last_admin` for the last enabled admin, 403 for "
    "your own account, 409 `no_change` when already disabled.",
)
def disable_user(
    user_id: RowId, body: ReasonIn, ctx: Annotated[StaffContext, _acting("users.disable")]
) -> staff_accounts.AccountChange:
    return staff_accounts.disable(ctx, user_id, body.reason)


@router.post(
    "/users/{user_id}/enable",
    response_model=staff_accounts.AccountChange,
    summary="Enable a disabled account again (it signs in afresh)",
)
def enable_user(
    user_id: RowId, body: ReasonIn, ctx: Annotated[StaffContext, _acting("users.disable")]
) -> staff_accounts.AccountChange:
    return staff_accounts.enable(ctx, user_id, body.reason)


@router.post(
    "/users/{user_id}/signout",
    response_model=staff_accounts.AccountChange,
    summary="Sign a user out everywhere: end web sessions, revoke refresh tokens",
    description="The access tokens issued with those refresh tokens are refused at once.",
)
def sign_out_user(
    user_id: RowId, body: ReasonIn, ctx: Annotated[StaffContext, _acting("users.signout")]
) -> staff_accounts.AccountChange:
    return staff_accounts.sign_out_everywhere(ctx, user_id, body.reason)


@router.put(
    "/users/{user_id}/role",
    response_model=staff_accounts.AccountChange,
    summary="Change a user's role",
    description="An admin may change their own role (step down) while another admin remains; "
    "409 `last_admin` when it would leave no admin.",
)
def set_role(
    user_id: RowId, body: RoleIn, ctx: Annotated[StaffContext, _acting("users.set_role")]
) -> staff_accounts.AccountChange:
    return staff_accounts.set_role(ctx, user_id, body.role, body.reason)


# --- videos ------------------------------------------------------------------------------


@router.post(
    "/videos/{video_id}/refund",
    response_model=staff_videos.Refunded,
    summary="Refund a clip: a completed one as goodwill, or a failed/canceled one not refunded",
    description="Pays at most once whatever else ends the clip (the clip's one refund key). "
    "409 `video_active` (cancel it instead), `already_refunded`, `nothing_charged`.",
)
def refund_video(
    video_id: RowId, body: ReasonIn, ctx: Annotated[StaffContext, _acting("videos.refund")]
) -> staff_videos.Refunded:
    return staff_videos.refund(ctx, video_id, body.reason)


@router.post(
    "/videos/{video_id}/retry",
    response_model=staff_videos.Retried,
    status_code=202,
    summary="Retry a failed or canceled clip as a new clip, charged or waived",
    description="A new clip linked to the original (`retry_of_id`) with the same inputs and "
    "model, or another enabled `model`; queued like a customer's. Charged: a normal debit, "
    "402 when short. Each clip is retried once: 409 `already_retried`, unless the same "
    "`Idempotency-Key` repeats the first retry.",
)
def retry_video(
    video_id: RowId,
    body: RetryIn,
    ctx: Annotated[StaffContext, _acting("videos.retry")],
    idempotency_key: IdempotencyKey = None,
) -> staff_videos.Retried:
    return staff_videos.retry(
        ctx, video_id, charge=body.charge, model=body.model, reason=body.reason, key=idempotency_key
    )


@router.post(
    "/videos/{video_id}/cancel",
    response_model=staff_videos.Canceled,
    summary="Cancel a queued or running clip (refunded, as a customer cancel)",
)
def cancel_video(
    video_id: RowId, body: ReasonIn, ctx: Annotated[StaffContext, _acting("videos.cancel")]
) -> staff_videos.Canceled:
    return staff_videos.cancel(ctx, video_id, body.reason)


@router.post(
    "/videos/retry-bulk",
    response_model=staff_videos.BulkRetry,
    summary="Retry every failed clip matching the filters (after a provider outage)",
    description="`dry_run: true` (the default) counts the clips and their credits and changes "
    "nothing. Otherwise each matching clip not retried before is retried once, up to "
    f"{staff_videos.MAX_BULK}; charged, a customer who is short is skipped. An "
    "`Idempotency-Key` is required: the same key answers with the first result.",
)
def retry_bulk(
    body: BulkRetryIn,
    ctx: Annotated[StaffContext, _acting("videos.bulk_retry")],
    idempotency_key: IdempotencyKey = None,
) -> staff_videos.BulkRetry:
    filters = staff_videos.BulkFilters(
        provider=body.provider,
        model=body.model,
        error_code=body.error_code,
        since=body.since,
        until=body.until,
        user_id=body.user_id,
    )
    key = idempotency_key or ("preview" if body.dry_run else "")
    return staff_videos.bulk_retry(
        ctx, filters, charge=body.charge, reason=body.reason, key=key, dry_run=body.dry_run
    )


# --- payments ----------------------------------------------------------------------------


@router.post(
    "/payments/{payment_id}/refund",
    response_model=staff_payments.RefundRequested,
    summary="Refund a Stripe payment, in full or in part, through Stripe",
    description="Refunds `amount_cents` (all that is left when absent) through the Stripe "
    "API with an idempotency key. The credits come back when Stripe's `charge.refunded` "
    "webhook arrives (never more than the balance; the rest is recorded as a shortfall). "
    "One audit row. Send an `Idempotency-Key`: the same key answers with the first refund "
    "(`replayed: true`), and with another amount is 409 `key_reused`. 422 `refund_amount` "
    "for more than is left to refund, 409 for a payment that cannot be refunded, 503 when "
    "Stripe does not answer.",
)
def refund_payment(
    payment_id: RowId,
    body: PaymentRefundIn,
    ctx: Annotated[StaffContext, _acting("payments.refund")],
    idempotency_key: IdempotencyKey = None,
) -> staff_payments.RefundRequested:
    key = idempotency_key or staff_credits.new_key()
    return staff_payments.refund(ctx, payment_id, body.amount_cents, body.reason, key)


@router.get(
    "/payments/{payment_id}/receipt",
    summary="Stripe's receipt for any user's payment (a redirect)",
)
def payment_receipt(
    payment_id: RowId, ctx: Annotated[StaffContext, _acting("credits.view")]
) -> RedirectResponse:
    return RedirectResponse(staff_payments.receipt(ctx, payment_id), status_code=302)


# --- audit -------------------------------------------------------------------------------


@router.get(
    "/audit",
    response_model=audit_log.AuditPage,
    summary="The audit log, newest first, by keyset pages; or all of it as CSV",
    description="Admins read every row; support reads the rows of its own actions, or with "
    "`target_user_id` every row about that user. Page with `before_id` = the previous "
    "page's `next_before_id`. `format=csv` streams every matching row as CSV.",
    responses={200: {"content": {"text/csv": {}}}},
)
def read_audit(
    ctx: Annotated[StaffContext, _acting("audit.view_own")],
    actor_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    target_user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=audit_log.MAX_PAGE)] = 50,
    format: Literal["json", "csv"] = "json",
) -> audit_log.AuditPage | StreamingResponse:
    filters = audit_log.AuditFilters(actor_id, action, target_user_id, since, until)
    if format == "csv":
        return StreamingResponse(
            audit_log.csv_rows(ctx, filters),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
        )
    return audit_log.page(ctx, filters, before_id=before_id, limit=limit)
