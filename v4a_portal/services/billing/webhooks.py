"""Stripe webhooks: verify, then apply each event at most once.

The signature is checked on the raw body with the SDK's `WebhookSignature.verify_header`
(tolerance 300 s); anything that
fails it, or is not an event, is refused before anything is stored. The event id goes
into `stripe_events` in the same transaction as the event's effect, so an event is
applied once however often and however concurrently it is delivered: a parallel delivery
waits on the id's row and then finds it taken. A transaction that loses another race (two
different events about the same new session or subscription) is run again from the start.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import stripe
from sqlalchemy import Connection, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from v4a_portal.db import session_scope
from v4a_portal.models import StripeEvent, utcnow
from v4a_portal.services.billing import clawbacks, fulfilment, subscriptions
from v4a_portal.services.billing.context import Context
from v4a_portal.services.errors import DomainError
from v4a_portal.services.ledger import DuplicateKey
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)
Obj = dict[str, Any]
TOLERANCE_SECONDS = 300
ATTEMPTS = 5

HANDLERS: dict[str, Callable[[Context, Obj], None]] = {
    "checkout.session.completed": fulfilment.session_completed,
    "checkout.session.async_payment_succeeded": fulfilment.session_completed,
    "checkout.session.async_payment_failed": fulfilment.session_failed,
    "invoice.paid": fulfilment.invoice_paid,
    "invoice.payment_failed": fulfilment.invoice_failed,
    "customer.subscription.created": subscriptions.apply,
    "customer.subscription.updated": subscriptions.apply,
    "customer.subscription.deleted": subscriptions.apply,
    "charge.refunded": clawbacks.charge_refunded,
    "charge.dispute.created": clawbacks.dispute_opened,
    "charge.dispute.closed": clawbacks.dispute_closed,
}


class InvalidWebhook(DomainError):
    code, status = "invalid_webhook", 400


def verify(payload: bytes, signature: str | None) -> Obj:
    """The event in `payload` if Stripe signed it within the tolerance, else InvalidWebhook."""
    secret = get_settings().stripe_webhook_secret
    try:
        # The check `stripe.Webhook.construct_event` makes, without the StripeObject tree
        # it then builds: that costs ~90x the check on an invoice (bench/webhooks.py), and
        # the handlers read plain dicts.
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature or "", secret, TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(f"Bad signature: {exc.user_message or exc}") from exc
    except ValueError as exc:  # not UTF-8, not JSON
        raise InvalidWebhook("The body is not a Stripe event.") from exc
    obj = (event.get("data") or {}).get("object") if isinstance(event, dict) else None
    fields_ok = isinstance(event, dict) and all(
        isinstance(event.get(k), t) for k, t in (("id", str), ("type", str), ("created", int))
    )
    # Not every object has an id (balance.available's has none); the handled ones all do.
    handled = isinstance(event, dict) and event.get("type") in HANDLERS
    if (
        not fields_ok
        or not isinstance(obj, dict)
        or (handled and not isinstance(obj.get("id"), str))
    ):
        raise InvalidWebhook("The body is not a Stripe event.")
    return dict(event)


def _claim_statement(dialect: Any) -> Any:
    table = StripeEvent.__table__  # type: ignore[attr-defined]
    return (
        dialect.insert(table)
        .values(id=bindparam("id"), type=bindparam("type"), processed_at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(table.c.id)
    )


# Built once: building the statement and its cache key each time cost more than running it.
_CLAIM = {"postgresql": _claim_statement(postgresql), "sqlite": _claim_statement(sqlite)}


def _insert_event(conn: Connection, event_id: str, event_type: str) -> bool:
    """Claim the event id; False when it was claimed before (a repeated delivery)."""
    statement = _CLAIM["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
    params = {"id": event_id, "type": event_type, "at": utcnow()}
    return conn.execute(statement, params).first() is not None


def receive(payload: bytes, signature: str | None) -> str:
    """Verify and apply one delivery: "applied", "ignored" (a type the portal does not
    use; its id is stored all the same) or "duplicate"."""
    event = verify(payload, signature)
    handler = HANDLERS.get(event["type"])
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with session_scope() as session:
                if not _insert_event(session.connection(), event["id"], event["type"]):
                    return "duplicate"
                if handler is None:
                    return "ignored"
                ctx = Context(session, event["id"], event["type"], event["created"])
                handler(ctx, event["data"]["object"])
            return "applied"
        except (IntegrityError, DuplicateKey, OperationalError) as exc:
            # Another transaction inserted the same session, invoice or subscription row
            # first (or PostgreSQL found a deadlock); everything here was rolled back.
            if attempt == ATTEMPTS:
                raise
            log.info("event %s lost a race (%s); applying it again", event["id"], exc)
    raise AssertionError("unreachable")
