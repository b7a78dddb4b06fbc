"""Billing routes: the catalog, Checkout and Customer Portal sessions, the user's payments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from v4a_portal.api.deps import CurrentUser, DbSession, RowId
from v4a_portal.models import Payment
from v4a_portal.services import billing
from v4a_portal.services.billing import catalog, stripe_api

router = APIRouter(prefix="/api/v1/billing", tags=["billing"])


class ProductOut(BaseModel):
    code: str
    kind: str
    name: str
    credits: int
    amount_cents: int
    currency: str
    interval: str | None
    credits_per_dollar: float
    available: bool


class CatalogOut(BaseModel):
    test_mode: bool
    products: list[ProductOut]


class CheckoutIn(BaseModel):
    product: str = Field(min_length=1, max_length=60)


class UrlOut(BaseModel):
    url: str


class SubscriptionOut(BaseModel):
    id: str
    plan: str | None
    status: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    ended_at: datetime | None


class PaymentOut(BaseModel):
    id: int
    kind: str
    parent_id: int | None
    product_code: str
    amount_cents: int
    currency: str
    credits: int
    status: str
    amount_refunded_cents: int
    credits_clawed_back: int
    created_at: datetime


class BillingOut(BaseModel):
    credits: int
    test_mode: bool
    subscription: SubscriptionOut | None
    payments: list[PaymentOut]
    next_bonus_at: datetime | None


def _payment(row: Payment) -> PaymentOut:
    return PaymentOut.model_validate(row, from_attributes=True)


@router.get("/catalog", response_model=CatalogOut, summary="Credit packs and plans on sale")
def get_catalog() -> CatalogOut:
    products = [ProductOut.model_validate(p.as_dict()) for p in catalog.products()]
    return CatalogOut(test_mode=stripe_api.test_mode(), products=products)


@router.post("/checkout", response_model=UrlOut, summary="Start buying a pack or a plan")
def checkout(
    body: CheckoutIn,
    user: CurrentUser,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> UrlOut:
    """Send the browser to the returned URL: Stripe Checkout, or the Customer Portal when
    the user already has a plan. Credits come with Stripe's webhook, not with the return."""
    assert user.id is not None
    return UrlOut(url=billing.start_checkout(user.id, body.product, idempotency_key))


@router.post("/portal", response_model=UrlOut, summary="Open the Stripe Customer Portal")
def portal(user: CurrentUser) -> UrlOut:
    assert user.id is not None
    return UrlOut(url=billing.portal_url(user.id))


@router.get("", response_model=BillingOut, summary="Subscription and payments")
def my_billing(user: CurrentUser, session: DbSession) -> BillingOut:
    assert user.id is not None
    seen = billing.overview(session, user.id)
    adjustments = [row for rows in seen.adjustments.values() for row in rows]
    sub = seen.subscription
    return BillingOut(
        credits=seen.credits,
        test_mode=seen.test_mode,
        subscription=SubscriptionOut.model_validate(sub, from_attributes=True) if sub else None,
        payments=[_payment(p) for p in [*seen.payments, *adjustments]],
        next_bonus_at=seen.next_bonus_at,
    )


@router.get("/payments/{payment_id}/receipt", summary="Stripe's receipt for a payment")
def receipt(payment_id: RowId, user: CurrentUser) -> RedirectResponse:
    assert user.id is not None
    return RedirectResponse(billing.receipt_url(user.id, payment_id), status_code=302)
