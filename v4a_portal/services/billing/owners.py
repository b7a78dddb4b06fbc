"""Which user a Stripe object belongs to. The portal puts the user id in the metadata of
everything it creates (customer, session, subscription); when an event's object does not
carry it (an invoice that comes before its subscription's events, a customer made by
Checkout), the stored customer link answers, and else the object is looked up through the
API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import stripe
from sqlalchemy import CTE, bindparam, select, update
from sqlmodel import Session, col

from v4a_portal.models import Subscription, User
from v4a_portal.services.billing import stripe_api
from v4a_portal.services.errors import Unavailable

log = logging.getLogger(__name__)
Obj = dict[str, Any]
T = TypeVar("T")


def _user_id(metadata: Obj | None) -> int | None:
    raw = (metadata or {}).get("user_id")
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None


# Built once: asked on nearly every event.
_USER_AND_CUSTOMER = select(col(User.id), col(User.stripe_customer_id)).where(
    col(User.id) == bindparam("user_id")
)


def _named_owner() -> tuple[CTE, CTE]:
    users = User.__table__
    owner = (
        select(users.c.id, users.c.stripe_customer_id)
        .where(users.c.id == bindparam("owner_id"))
        .cte("owner")
    )
    customer = bindparam("owner_customer", type_=users.c.stripe_customer_id.type)
    link = (
        update(users)
        .where(
            users.c.id == owner.c.id,
            owner.c.stripe_customer_id.is_(None),
            customer.is_not(None),
        )
        .values(stripe_customer_id=customer)
        .cte("link")
    )
    return owner, link


# What `Owners._found` does, as CTEs for PostgreSQL to run inside another statement (the
# paid invoice's INSERT): `owner` is the user `owner_id` if there is one, and `link`
# (attach it with add_cte) gives that user `owner_customer` when they have no customer yet.
NAMED_OWNER, LINK_CUSTOMER = _named_owner()


class Owners:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _found(self, user_id: int | None, customer_id: str | None) -> int | None:
        """`user_id` if there is such a user; remembers `customer_id` for a user who has no
        customer yet (Checkout may have made it)."""
        if user_id is None:
            return None
        row = self.session.execute(_USER_AND_CUSTOMER, {"user_id": user_id}).first()
        if row is None:
            return None
        if customer_id and row[1] is None:
            self.session.execute(
                update(User)
                .where(col(User.id) == user_id, col(User.stripe_customer_id).is_(None))
                .values(stripe_customer_id=customer_id)
            )
        return user_id

    @staticmethod
    def named_by_invoice(invoice: Obj) -> int | None:
        """The user id the invoice's subscription metadata names (not checked)."""
        details = (invoice.get("parent") or {}).get("subscription_details") or {}
        return _user_id(details.get("metadata"))

    def by_customer(self, customer_id: str | None) -> int | None:
        if not customer_id:
            return None
        return self.session.execute(
            select(col(User.id)).where(col(User.stripe_customer_id) == customer_id)
        ).scalar()

    def for_session(self, cs: Obj) -> int | None:
        ref = cs.get("client_reference_id")
        direct = _user_id(cs.get("metadata")) or (int(ref) if ref and ref.isdigit() else None)
        return self._found(direct, cs.get("customer")) or self.by_customer(cs.get("customer"))

    def for_subscription(self, sub: Obj) -> int | None:
        customer = sub.get("customer")
        found = self._found(_user_id(sub.get("metadata")), customer) or self.by_customer(customer)
        if found is None:
            found = self.session.execute(
                select(col(Subscription.user_id)).where(col(Subscription.id) == sub["id"])
            ).scalar()
        return found if found is not None else self._from_customer(customer)

    def for_invoice(self, invoice: Obj, sub_id: str | None) -> int | None:
        customer = invoice.get("customer")
        found = self._found(self.named_by_invoice(invoice), customer) or self.by_customer(customer)
        if found is None and sub_id:
            found = self.session.execute(
                select(col(Subscription.user_id)).where(col(Subscription.id) == sub_id)
            ).scalar()
            if found is None:
                found = self._from_subscription(sub_id, customer)
        return found if found is not None else self._from_customer(customer)

    def _from_subscription(self, sub_id: str, customer: str | None) -> int | None:
        sub = lookup(lambda: stripe_api.client().v1.subscriptions.retrieve(sub_id))
        meta = sub.metadata.to_dict() if sub is not None and sub.metadata else None
        return self._found(_user_id(meta), customer)

    def _from_customer(self, customer_id: str | None) -> int | None:
        if not customer_id:
            return None
        customer = lookup(lambda: stripe_api.client().v1.customers.retrieve(customer_id))
        meta = customer.metadata.to_dict() if customer is not None and customer.metadata else None
        return self._found(_user_id(meta), customer_id)


def lookup(fetch: Callable[[], T]) -> T | None:
    """The object, or None when Stripe says there is no such object. Other failures raise
    Unavailable: the webhook answers 503 and Stripe delivers the event again later."""
    try:
        with stripe_api.calling():
            return fetch()
    except Unavailable as exc:
        if isinstance(exc.__cause__, stripe.InvalidRequestError):
            log.warning("Stripe has no such object: %s", exc.__cause__)
            return None
        raise
