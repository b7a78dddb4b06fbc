"""Billing with Stripe: the catalog of packs and plans, Checkout and the Customer Portal,
webhooks that grant credits exactly once, refunds and disputes, the payment history.

UI, API and the staff console call these; nothing here knows about web frameworks."""

from v4a_portal.services.billing.checkout import portal_url, start_checkout
from v4a_portal.services.billing.history import overview, receipt_url
from v4a_portal.services.billing.refunds import refund_payment
from v4a_portal.services.billing.webhooks import InvalidWebhook, receive

__all__ = [
    "InvalidWebhook",
    "overview",
    "portal_url",
    "receipt_url",
    "receive",
    "refund_payment",
    "start_checkout",
]
