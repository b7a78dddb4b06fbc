"""The billing page: balance, packs and plans, the subscription, payment history; Buy and
Manage send the browser to Stripe. Credits arrive by webhook, so while the page is open a
background loop notices the change (one small query a second or few) and shows it, with
no reload: the balance, the header, and "payment received" after a checkout."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.db import session_scope
from v4a_portal.models import Payment
from v4a_portal.services import accounts, billing
from v4a_portal.services.billing import catalog, history, subscriptions
from v4a_portal.state import billing_text as text
from v4a_portal.state import clients, formatting
from v4a_portal.state.auth import AuthState
from v4a_portal.state.service_call import call

logger = logging.getLogger(__name__)

WAITING_POLL_SECONDS = 1.0  # right after a checkout: the webhook is due any moment
IDLE_POLL_SECONDS = 3.0  # otherwise: a renewal, a refund, a change made in the portal


@dataclass(frozen=True)
class ProductCard:
    code: str
    name: str
    credits: str
    price: str
    per_dollar: str
    current: bool


@dataclass(frozen=True)
class PaymentRow:
    id: int
    when: str
    what: str
    amount: str
    credits: str
    status: str
    status_color: str
    refunded: str
    receipt_href: str


@dataclass(frozen=True)
class _Page:
    packs: list[ProductCard]
    plans: list[ProductCard]
    payments: list[PaymentRow]
    plan_name: str
    sub_status: str
    sub_color: str
    sub_when: str
    past_due: bool
    can_manage: bool
    bonus: str
    test_mode: bool


def _card(product: catalog.Product, current_plan: str | None) -> ProductCard:
    per = " / month" if product.kind == catalog.PLAN else ""
    return ProductCard(
        code=product.code,
        name=product.name,
        credits=f"{product.credits:,}",
        price=text.money(product.amount_cents) + per,
        per_dollar=f"{product.credits_per_dollar:g} credits per $",
        current=product.code == current_plan,
    )


def _row(payment: Payment, adjustments: list[Payment]) -> PaymentRow:
    assert payment.id is not None
    status, color = text.payment_status(payment.status)
    receipt = payment.status not in ("pending", "failed")
    return PaymentRow(
        id=payment.id,
        when=formatting.day(payment.created_at),
        what=text.payment_what(payment),
        amount=text.money(payment.amount_cents),
        credits=f"+{payment.credits:,}" if payment.credits else "—",
        status=status,
        status_color=color,
        refunded=text.adjustments(payment, adjustments),
        receipt_href=f"/api/v1/billing/payments/{payment.id}/receipt" if receipt else "",
    )


def _read(user_id: int) -> _Page:
    with session_scope() as session:
        seen = history.overview(session, user_id)
        customer = bool(accounts.get(session, user_id).stripe_customer_id)
    sub = seen.subscription
    live = sub is not None and sub.status in subscriptions.LIVE
    current_plan = sub.plan if live and sub else None
    products = catalog.products()
    status, color = text.subscription_status(sub.status) if sub else ("", "gray")
    return _Page(
        packs=[_card(p, None) for p in products if p.kind == catalog.PACK and p.price_id],
        plans=[_card(p, current_plan) for p in products if p.kind == catalog.PLAN and p.price_id],
        payments=[_row(p, seen.adjustments.get(p.id or 0, [])) for p in seen.payments],
        plan_name=catalog.plan_name(sub.plan) if sub else "",
        sub_status=status,
        sub_color=color,
        sub_when=text.subscription_when(sub) if sub else "",
        past_due=sub is not None and sub.status == "past_due",
        can_manage=customer and sub is not None,
        bonus=text.daily_bonus(seen.next_bonus_at),
        test_mode=seen.test_mode,
    )


def _fingerprint(user_id: int) -> str:
    with session_scope() as session:
        return repr(history.fingerprint(session, user_id))


class BillingState(AuthState):
    packs: list[ProductCard] = []  # noqa: RUF012 (a Reflex var default, copied per client)
    plans: list[ProductCard] = []  # noqa: RUF012
    payments: rx.Field[list[PaymentRow]] = rx.field(default_factory=list)
    plan_name: str = ""
    sub_status: str = ""
    sub_color: str = "gray"
    sub_when: str = ""
    past_due: bool = False
    can_manage: bool = False
    bonus: str = ""
    test_mode: bool = False
    loaded: bool = False
    # After a return from Checkout: "waiting" until the webhook's grant shows, then "done";
    # "canceled" when the buyer came back without paying.
    checkout: str = ""
    checkout_note: str = ""
    busy: str = ""  # the product (or "portal") whose Stripe page is being opened
    error: str = ""

    _session_id: str = ""
    _seen: str = ""

    @rx.event
    async def load(self) -> EventSpec | None:
        query = self.router.url.query_parameters
        self.error, self.busy = "", ""
        self._session_id = str(query.get("session_id", ""))[:255]
        outcome = query.get("checkout", "")
        if outcome == "success" and self._session_id:
            self.checkout, self.checkout_note = "waiting", text.WAITING
        elif outcome == "canceled":
            self.checkout, self.checkout_note = "canceled", text.CANCELED
        else:
            self.checkout, self.checkout_note = "", ""
        user = await self._signed_in()
        if user is None or user.id is None:
            return self._bounce(user)
        page, self.error = await call(_read, user.id)
        if page is not None:
            self._present(page)
        return BillingState.watch

    def _present(self, page: _Page) -> None:
        for name, value in page.__dict__.items():
            setattr(self, name, value)
        self.loaded = True

    @rx.event
    async def buy(self, code: str):
        user = await self._signed_in()
        if user is None or user.id is None:
            yield self._bounce(user)
            return
        self.busy, self.error = code, ""
        yield
        url, self.error = await call(billing.start_checkout, user.id, str(code)[:60])
        self.busy = ""
        if url:
            yield rx.redirect(url)

    @rx.event
    async def manage(self):
        user = await self._signed_in()
        if user is None or user.id is None:
            yield self._bounce(user)
            return
        self.busy, self.error = "portal", ""
        yield
        url, self.error = await call(billing.portal_url, user.id)
        self.busy = ""
        if url:
            yield rx.redirect(url)

    async def _checked(self, user_id: int) -> None:
        """After a checkout: has its webhook granted yet?"""
        if self.checkout != "waiting" or not self._session_id:
            return
        try:
            found = await asyncio.to_thread(history.checkout_result, user_id, self._session_id)
        except Exception:
            logger.warning("checkout %s: could not check", self._session_id, exc_info=True)
            return
        if found is not None:
            self.checkout, self.checkout_note = "done", text.received(found.credits)

    @rx.event(background=True, supersedes=True)
    async def watch(self):
        """While this tab shows the page: re-read it whenever a webhook changed something."""
        async with self:
            user = await self._signed_in()
            if user is None or user.id is None:
                return
            user_id, route = user.id, self.router.route_id
            tab = clients.Presence(self.router.session.client_token)
        seen = ""
        while not tab.gone():
            async with self:
                auth = await self.get_state(AuthState)
                if auth._user_id != user_id or self.router.route_id != route:
                    return
                waiting = self.checkout == "waiting"
            await asyncio.sleep(WAITING_POLL_SECONDS if waiting else IDLE_POLL_SECONDS)
            try:
                now = await asyncio.to_thread(_fingerprint, user_id)
                page = await asyncio.to_thread(_read, user_id) if now != seen else None
            except Exception:
                logger.warning("billing page refresh failed", exc_info=True)
                continue
            async with self:
                if page is not None:
                    self._present(page)
                    await self._signed_in()  # the balance, here and in the header
                seen = now
                await self._checked(user_id)
