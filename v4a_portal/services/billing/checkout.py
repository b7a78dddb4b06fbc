"""Starting a purchase: a Checkout Session for a pack (payment) or a plan (subscription),
and Customer Portal sessions. Nothing here grants credits: the webhooks do."""

from __future__ import annotations

import uuid

from v4a_portal.db import session_scope
from v4a_portal.services.billing import catalog, stripe_api, subscriptions
from v4a_portal.services.billing.customers import ensure_customer
from v4a_portal.settings import get_settings

BILLING_PATH = "/billing"


def _url(query: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}{BILLING_PATH}{query}"


def has_live_plan(user_id: int) -> bool:
    with session_scope() as session:
        sub = subscriptions.current(session, user_id)
        return sub is not None and sub.status in subscriptions.LIVE


def start_checkout(user_id: int, product_code: str, request_key: str | None = None) -> str:
    """The URL to send the browser to: Stripe Checkout for `product_code`, or the Customer
    Portal for a user who already has a plan (they change it there instead of buying a
    second subscription). `request_key` makes a retried request return the same session."""
    product = catalog.sellable(product_code)
    if product.kind == catalog.PLAN and has_live_plan(user_id):
        return portal_url(user_id)
    customer = ensure_customer(user_id)
    meta = {"user_id": str(user_id), "product": product.code, "credits": str(product.credits)}
    params: dict[str, object] = {
        "mode": product.mode,
        "customer": customer,
        "client_reference_id": str(user_id),
        "metadata": meta,
        "line_items": [{"price": product.price_id, "quantity": 1}],
        "success_url": _url("?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
        "cancel_url": _url("?checkout=canceled"),
    }
    # The metadata rides along on what Checkout creates, so every later event about the
    # payment or the subscription names the user even if it comes first.
    if product.kind == catalog.PLAN:
        params["subscription_data"] = {"metadata": meta}
    else:
        params["payment_intent_data"] = {"metadata": meta}
    key = f"v4a-checkout-{user_id}-{product.code}-{request_key or uuid.uuid4().hex}"
    with stripe_api.calling():
        session = stripe_api.client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": key},
        )
    return str(session.url)


def portal_url(user_id: int) -> str:
    """A Customer Portal session that returns to the billing page."""
    customer = ensure_customer(user_id)
    with stripe_api.calling():
        session = stripe_api.client().v1.billing_portal.sessions.create(
            params={"customer": customer, "return_url": _url("")}
        )
    return str(session.url)
