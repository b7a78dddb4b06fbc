"""The Payments tab of `/console/users/<id>`: the user's subscription and payments (with
refunds, disputes and what could not be taken back), and the staff refund of a payment.

A refund is requested from Stripe; its credits come back by the `charge.refunded` webhook,
so after a refund the tab watches for the webhook's change (as the billing page does) and
then shows the payment as refunded and the lower balance, here and in the profile."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.services.billing import catalog
from v4a_portal.services.console import staff_credits, staff_payments
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state import billing_text as text
from v4a_portal.state import clients, formatting
from v4a_portal.state.console_base import ConsoleState
from v4a_portal.state.console_user import ConsoleUserState
from v4a_portal.state.service_call import call, row_id

logger = logging.getLogger(__name__)

WATCH_POLL_SECONDS = 1.0  # a requested refund's webhook is due within seconds
WATCH_SECONDS = 120.0  # then stop watching; a reload shows a later webhook


@dataclass(frozen=True)
class PaymentItem:
    id: int
    when: str
    what: str
    amount: str
    credits: str
    status: str
    status_color: str
    refunded: str  # "" when nothing was refunded
    shortfall: str  # credits a refund or dispute could not take back; "" when none
    receipt_href: str
    refundable: bool
    left: str  # what a refund may still take, as money


def _item(line: staff_payments.PaymentLine) -> PaymentItem:
    status, color = text.payment_status(line.status)
    refunded = []
    if line.amount_refunded_cents:
        refunded.append(f"{text.money(line.amount_refunded_cents)} refunded")
    if line.disputed:
        refunded.append("disputed")
    if line.credits_clawed_back:
        refunded.append(f"{line.credits_clawed_back:,} credits taken back")
    return PaymentItem(
        id=line.id,
        when=formatting.day(line.created_at),
        what=text.payment_what(line),
        amount=text.money(line.amount_cents),
        credits=f"+{line.credits:,}" if line.credits else "—",
        status=status,
        status_color=color,
        refunded=" · ".join(refunded),
        shortfall=(
            f"{line.credits_shortfall:,} credits not taken back (spent)"
            if line.credits_shortfall
            else ""
        ),
        receipt_href=f"/api/v1/staff/payments/{line.id}/receipt" if line.has_receipt else "",
        refundable=line.refundable_cents > 0,
        left=text.money(line.refundable_cents),
    )


def cents_of(value: str) -> int:
    """Dollars typed by staff ("12", "12.5", "$12.50") as cents; 0 when not an amount."""
    cleaned = value.strip().lstrip("$").replace(",", "").strip()
    try:
        amount = Decimal(cleaned) * 100
    except InvalidOperation:
        return 0
    if not amount.is_finite() or amount != amount.to_integral_value() or amount <= 0:
        return 0
    return int(amount) if amount < 10**10 else 0


class ConsolePaymentsState(ConsoleState):
    permission: ClassVar[str] = staff_payments.VIEW

    pay_loading: rx.Field[bool] = rx.field(True)
    pay_error: rx.Field[str] = rx.field("")
    payments: rx.Field[list[PaymentItem]] = rx.field(default_factory=list)
    has_sub: rx.Field[bool] = rx.field(False)
    sub_plan: rx.Field[str] = rx.field("")
    sub_status: rx.Field[str] = rx.field("")
    sub_color: rx.Field[str] = rx.field("gray")
    sub_when: rx.Field[str] = rx.field("")
    sub_past_due: rx.Field[bool] = rx.field(False)
    test_mode: rx.Field[bool] = rx.field(False)
    # Set while a requested refund's webhook has not come yet.
    waiting: rx.Field[bool] = rx.field(False)

    # The refund dialog.
    refund_id: rx.Field[int] = rx.field(0)
    refund_what: rx.Field[str] = rx.field("")
    refund_left: rx.Field[str] = rx.field("")
    refund_left_cents: rx.Field[int] = rx.field(0)
    refund_amount: rx.Field[str] = rx.field("")
    refund_reason: rx.Field[str] = rx.field("")
    refund_error: rx.Field[str] = rx.field("")
    refund_done: rx.Field[str] = rx.field("")
    _refund_key: str = ""
    _user_id: int = 0
    _before: str = ""  # the billing's fingerprint before the refund was requested

    @rx.var
    def refund_cents(self) -> int:
        return cents_of(self.refund_amount)

    @rx.var
    def refund_ready(self) -> bool:
        return 0 < self.refund_cents <= self.refund_left_cents and self.refund_reason.strip() != ""

    def _target(self) -> int:
        # /console/users/<id> (routes.CONSOLE_USER), as the page's own state reads it
        return row_id(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])

    async def _read(self, ctx: StaffContext) -> None:
        self._user_id = self._target()
        seen, self.pay_error = await call(staff_payments.billing_of, ctx, self._user_id)
        self.pay_loading = False
        if seen is None:
            return
        self.payments = [_item(line) for line in seen.payments]
        sub = seen.subscription
        self.has_sub = sub is not None
        self.sub_plan = catalog.plan_name(sub.plan) if sub else ""
        self.sub_status, self.sub_color = text.subscription_status(sub.status if sub else "")
        self.sub_when = text.subscription_when(sub) if sub else ""
        self.sub_past_due = sub is not None and sub.past_due
        self.test_mode = seen.test_mode

    @rx.event
    async def load(self) -> EventSpec | None:
        """The tab is shown: read the user's billing."""
        self.pay_loading, self.refund_done = True, ""
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        await self._read(ctx)
        return None

    @rx.event
    def open_refund(self, payment_id: int) -> None:
        """The refund dialog opens: the whole amount left, and the key that makes a double
        click (or a retried confirm) one refund."""
        self._refund_key = staff_credits.new_key()
        self.refund_reason, self.refund_error = "", ""
        found = next((p for p in self.payments if p.id == row_id(payment_id)), None)
        self.refund_id = found.id if found else 0
        self.refund_what = f"{found.what} of {found.when}" if found else ""
        self.refund_left = found.left if found else ""
        self.refund_left_cents = cents_of(found.left) if found else 0
        self.refund_amount = found.left.lstrip("$") if found else ""

    @rx.event
    def set_refund_amount(self, value: str) -> None:
        self.refund_amount = value[:16]
        cents = cents_of(self.refund_amount)
        self.refund_error = ""
        if self.refund_amount.strip() and cents == 0:
            self.refund_error = "Type an amount in dollars, e.g. 5 or 2.50."
        elif cents > self.refund_left_cents:
            self.refund_error = f"At most {self.refund_left} is left to refund."

    @rx.event
    def set_refund_reason(self, value: str) -> None:
        self.refund_reason = value[: staff_credits.MAX_REASON]

    @rx.event
    async def confirm_refund(self):
        ctx, bounce = await self._staff()
        if ctx is None:
            yield bounce
            return
        self.refund_done = ""
        # Taken before Stripe is asked: its webhook may come before the answer does.
        before, _ = await call(staff_payments.fingerprint, ctx, self._user_id)
        self._before = repr(before)
        cents = self.refund_cents
        whole = cents == self.refund_left_cents
        started, self.pay_error = await call(
            staff_payments.refund,
            ctx,
            self.refund_id,
            None if whole else cents,
            self.refund_reason,
            self._refund_key,
        )
        if started is None:
            return
        self.refund_done = (
            f"Refund of {text.money(started.amount_cents)} sent to Stripe. The credits are "
            "taken back when Stripe confirms it."
        )
        self.waiting = True
        await self._read(ctx)
        yield type(self).watch

    @rx.event(background=True, supersedes=True)
    async def watch(self):
        """After a refund: re-read the tab (and the profile's balance) once the webhook has
        changed the user's billing, then stop."""
        async with self:
            ctx, _ = await self._staff()
            if ctx is None:
                self.waiting = False
                return
            user_id, route = self._user_id, self.router.route_id
            tab = clients.Presence(self.router.session.client_token)
            seen = self._before
        deadline = time.monotonic() + WATCH_SECONDS
        while not tab.gone() and time.monotonic() < deadline:
            await asyncio.sleep(WATCH_POLL_SECONDS)
            try:
                now = await asyncio.to_thread(staff_payments.fingerprint, ctx, user_id)
            except Exception:
                logger.warning("console payments: could not read the billing", exc_info=True)
                continue
            if repr(now) == seen:
                continue
            async with self:
                if self.router.route_id != route or self._user_id != user_id:
                    return
                await self._read(ctx)
                page = await self.get_state(ConsoleUserState)
                await page._refresh(ctx)
                self.waiting = False
                if self.refund_done:
                    self.refund_done = "Refund confirmed by Stripe: the credits were taken back."
            return
        async with self:
            self.waiting = False
