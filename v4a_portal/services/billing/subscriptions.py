"""Subscription state from `customer.subscription.*` events, newest event wins.

Events come late and out of order, so each subscription row keeps the `created` time of
the newest event applied and an older one changes nothing. Two more rules close the gaps
that equal timestamps (one-second resolution) leave: a `created` event only ever inserts
(it is the first state of a subscription), and `canceled` is final (Stripe never
reactivates a canceled subscription). The user's own subscription fields are then copied
from their current subscription."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from v4a_portal.models import Subscription, User, utcnow
from v4a_portal.services.billing import catalog
from v4a_portal.services.billing.context import Context

Obj = dict[str, Any]

# Statuses that keep the subscriber's benefits: Stripe is still collecting in past_due.
LIVE = ("active", "trialing", "past_due")


def when(unix: int | None) -> datetime | None:
    return datetime.fromtimestamp(unix, UTC) if unix else None


def plan_of(sub: Obj) -> str | None:
    """The plan code a subscription object is for: its price, else our metadata."""
    items = (sub.get("items") or {}).get("data") or []
    price = (items[0].get("price") or {}) if items else {}
    product = catalog.by_price_id(price.get("id") if isinstance(price, dict) else price)
    return product.code if product else (sub.get("metadata") or {}).get("product")


def period_end(sub: Obj) -> int | None:
    # Since API 2025-03-31 the period lives on the item, not on the subscription.
    items = (sub.get("items") or {}).get("data") or []
    return items[0].get("current_period_end") if items else None


def apply(ctx: Context, sub: Obj) -> None:
    """customer.subscription.created / .updated / .deleted."""
    user_id = ctx.owners.for_subscription(sub)
    if user_id is None:
        return
    row = ctx.session.execute(
        select(Subscription).where(col(Subscription.id) == sub["id"]).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        # A parallel first event for this subscription may insert too: the loser's
        # transaction fails on the primary key and the webhook tries it again.
        row = Subscription(id=sub["id"], user_id=user_id, status=sub["status"])
        ctx.session.add(row)
    elif (
        ctx.event_type == "customer.subscription.created"
        or row.status == "canceled"
        or ctx.created < row.event_created
    ):
        return
    deleted = ctx.event_type == "customer.subscription.deleted"
    row.status = "canceled" if deleted else sub["status"]
    row.plan = plan_of(sub) or row.plan
    row.current_period_end = when(period_end(sub)) or row.current_period_end
    row.cancel_at_period_end = bool(sub.get("cancel_at_period_end") or sub.get("cancel_at"))
    row.ended_at = when(sub.get("ended_at")) or (utcnow() if deleted else None)
    row.event_created = ctx.created
    row.updated_at = utcnow()
    ctx.session.flush()
    sync_user(ctx.session, user_id)


def mark_past_due(ctx: Context, sub_id: str | None) -> None:
    """invoice.payment_failed: the renewal did not go through, unless something newer
    about this subscription has already been applied."""
    if not sub_id:
        return
    row = ctx.session.execute(
        select(Subscription).where(col(Subscription.id) == sub_id).with_for_update()
    ).scalar_one_or_none()
    if row is None or row.status == "canceled" or ctx.created < row.event_created:
        return
    row.status, row.event_created, row.updated_at = "past_due", ctx.created, utcnow()
    ctx.session.flush()
    sync_user(ctx.session, row.user_id)


def current(session: Session, user_id: int) -> Subscription | None:
    """The user's live subscription with the latest period end, else the last to end."""
    rows = (
        session.execute(select(Subscription).where(col(Subscription.user_id) == user_id))
        .scalars()
        .all()
    )
    if not rows:
        return None
    floor = datetime.min.replace(tzinfo=UTC)

    def rank(row: Subscription) -> tuple[bool, datetime]:
        end = row.current_period_end or row.ended_at or floor
        return (row.status in LIVE, end if end.tzinfo else end.replace(tzinfo=UTC))

    return max(rows, key=rank)


def sync_user(session: Session, user_id: int) -> None:
    """Copy the current subscription onto the user's fields."""
    user = session.get(User, user_id)
    if user is None:
        return
    sub = current(session, user_id)
    live = sub is not None and sub.status in LIVE
    user.is_subscriber = live
    user.subscription_plan = sub.plan if sub else None
    user.subscription_status = sub.status if sub else None
    user.subscription_expires_at = (
        (sub.current_period_end if live else sub.ended_at or sub.current_period_end)
        if sub
        else None
    )
    user.updated_at = utcnow()
    session.flush()
