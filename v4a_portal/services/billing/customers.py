"""Each user's Stripe customer: created once, however many requests race to create it."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import accounts
from v4a_portal.services.billing import stripe_api


def ensure_customer(user_id: int) -> str:
    """The user's Stripe customer id, creating the customer on first use.

    Racing callers send the same idempotency key, so Stripe answers all of them with the
    one customer it made; the conditional UPDATE stores the first answer and keeps it.
    """
    with session_scope() as session:
        user = accounts.get(session, user_id)
        if user.stripe_customer_id:
            return user.stripe_customer_id
        email, name = user.email, user.name
    with stripe_api.calling():
        customer = stripe_api.client().v1.customers.create(
            params={"email": email, "name": name or "", "metadata": {"user_id": str(user_id)}},
            options={"idempotency_key": f"v4a-customer-{user_id}"},
        )
    return link(user_id, customer.id)


def link(user_id: int, customer_id: str) -> str:
    """Remember `customer_id` for the user unless one is already stored; returns the
    stored one."""
    with session_scope() as session:
        session.execute(
            update(User)
            .where(col(User.id) == user_id, col(User.stripe_customer_id).is_(None))
            .values(stripe_customer_id=customer_id)
        )
        return accounts.get(session, user_id).stripe_customer_id or customer_id
