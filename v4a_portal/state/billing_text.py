"""What the billing page says: money, statuses, dates, the daily bonus. One place for its
words, as state/messages.py is for the rest of the UI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from v4a_portal.models import Payment
from v4a_portal.services.billing import catalog
from v4a_portal.settings import get_settings
from v4a_portal.state import formatting

WAITING = "Payment made. Waiting for Stripe to confirm it; your credits appear here by themselves."
CANCELED = "Checkout canceled: nothing was charged."
TEST_MODE = "Test mode: no real card is charged and no money moves."

_PAYMENT_STATUS = {
    "paid": ("Paid", "grass"),
    "pending": ("Pending", "amber"),
    "failed": ("Failed", "tomato"),
    "refunded": ("Refunded", "gray"),
    "partially_refunded": ("Partly refunded", "gray"),
    "disputed": ("Disputed", "tomato"),
    "dispute_lost": ("Dispute lost", "tomato"),
}
_SUB_STATUS = {
    "active": ("Active", "grass"),
    "trialing": ("Trial", "grass"),
    "past_due": ("Past due", "tomato"),
    "canceled": ("Ended", "gray"),
    "unpaid": ("Unpaid", "tomato"),
    "incomplete": ("Incomplete", "amber"),
    "incomplete_expired": ("Expired", "gray"),
}


class _Paid(Protocol):
    """A payment as the customer's page (models.Payment) or the console reads it."""

    @property
    def stripe_invoice_id(self) -> str | None: ...
    @property
    def product_code(self) -> str: ...
    @property
    def credits(self) -> int: ...


class _Subscribed(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def ended_at(self) -> datetime | None: ...
    @property
    def current_period_end(self) -> datetime | None: ...
    @property
    def cancel_at_period_end(self) -> bool: ...


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def received(credits: int) -> str:
    if credits:
        return f"Payment received: {credits:,} credits added to your balance."
    return "Payment received."


def payment_status(status: str) -> tuple[str, str]:
    return _PAYMENT_STATUS.get(status, (status.replace("_", " ").capitalize(), "gray"))


def subscription_status(status: str) -> tuple[str, str]:
    return _SUB_STATUS.get(status, (status.replace("_", " ").capitalize(), "gray"))


def payment_what(payment: _Paid) -> str:
    if payment.stripe_invoice_id:
        plan = catalog.plan_name(payment.product_code)
        return f"{plan} plan, monthly" if payment.credits else f"{plan} plan change"
    try:
        return f"{catalog.get(payment.product_code).name} pack"
    except Exception:
        return f"{payment.credits:,} credits"


def adjustments(payment: Payment, rows: list[Payment]) -> str:
    """Refunds and disputes of a payment, in a few words."""
    parts = []
    if payment.amount_refunded_cents:
        parts.append(f"{money(payment.amount_refunded_cents)} refunded")
    if any(r.kind == "dispute" for r in rows):
        parts.append("disputed")
    taken = payment.credits_clawed_back
    if taken:
        parts.append(f"{taken:,} credits taken back")
    return " · ".join(parts)


def subscription_when(sub: _Subscribed) -> str:
    if sub.status == "canceled":
        return f"Ended on {formatting.day(sub.ended_at or sub.current_period_end)}"
    end = formatting.day(sub.current_period_end)
    if not end:
        return ""
    return f"Ends on {end}" if sub.cancel_at_period_end else f"Renews on {end}"


def daily_bonus(next_at: datetime | None) -> str:
    s = get_settings()
    head = f"Sign in once a day for {s.daily_bonus} free credits."
    if next_at is None or next_at <= datetime.now(UTC):
        return f"{head} Your next one comes with your next sign-in."
    return (
        f"{head} Your next one comes with your first sign-in after {formatting.timestamp(next_at)}."
    )
