"""The stand-in's state, in memory, and what happens to it: a payment, a renewal, a plan
change, a cancellation, a refund, a dispute. Each change emits the events Stripe would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from v4a_portal.services.billing import catalog
from v4a_portal.stripe_standin import objects
from v4a_portal.stripe_standin.objects import Obj

MONTH = 30 * 24 * 3600


class StripeError(Exception):
    """Answered as Stripe's error body: {"error": {"type", "message"}}."""

    def __init__(self, message: str, status: int = 400, param: str | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.param = message, status, param

    def body(self) -> Obj:
        kind = "invalid_request_error"
        return {"error": {"type": kind, "message": self.message, "param": self.param}}


class Store:
    def __init__(self, url_base: str, emit: Callable[[Obj], None]) -> None:
        self.url_base = url_base
        self.emit = emit
        self.lock = threading.RLock()
        self.objects: dict[str, dict[str, Obj]] = {
            kind: {}
            for kind in (
                "customers",
                "checkout_sessions",
                "portal_sessions",
                "subscriptions",
                "invoices",
                "invoice_payments",
                "payment_intents",
                "charges",
                "refunds",
                "disputes",
            )
        }
        self.events: list[Obj] = []
        self.idempotent: dict[str, tuple[int, Obj]] = {}

    # -- lookups --------------------------------------------------------------------------

    def get(self, kind: str, object_id: str) -> Obj:
        found = self.objects[kind].get(object_id)
        if found is None:
            raise StripeError(f"No such {kind[:-1]}: '{object_id}'", 404, "id")
        return found

    def find(self, kind: str, **match: Any) -> list[Obj]:
        return [
            o
            for o in self.objects[kind].values()
            if all(o.get(k) == v for k, v in match.items() if v is not None)
        ]

    def price(self, price_id: str) -> Obj:
        product = catalog.by_price_id(price_id)
        if product is None:
            raise StripeError(f"No such price: '{price_id}'", 400, "price")
        recurring = product.kind == catalog.PLAN
        return objects.price(price_id, product.amount_cents, product.code, recurring)

    def _add(self, kind: str, obj: Obj) -> Obj:
        self.objects[kind][obj["id"]] = obj
        return obj

    def _event(self, event_type: str, obj: Obj, previous: Obj | None = None) -> None:
        evt = objects.event(event_type, obj, previous_attributes=previous)
        self.events.append(evt)
        self.emit(evt)

    # -- API ------------------------------------------------------------------------------

    def create_customer(self, params: Obj) -> Obj:
        obj = objects.customer(
            email=params.get("email"), name=params.get("name"), metadata=params.get("metadata", {})
        )
        return self._add("customers", obj)

    def create_checkout_session(self, params: Obj) -> Obj:
        mode = params.get("mode")
        if mode not in ("payment", "subscription"):
            raise StripeError("mode must be payment or subscription", param="mode")
        items = params.get("line_items") or []
        if len(items) != 1 or "price" not in items[0]:
            raise StripeError("Give one line item with a price.", param="line_items")
        price_obj = self.price(items[0]["price"])
        if (price_obj["type"] == "recurring") != (mode == "subscription"):
            raise StripeError("A recurring price needs subscription mode.", param="mode")
        customer_id = params.get("customer")
        if customer_id:
            self.get("customers", customer_id)
        for url in ("success_url", "cancel_url"):
            if not params.get(url):
                raise StripeError(f"Missing required param: {url}.", param=url)
        obj = objects.checkout_session(
            mode=mode,
            price_obj=price_obj,
            customer_id=customer_id,
            customer_email=params.get("customer_email"),
            client_reference_id=params.get("client_reference_id"),
            metadata=params.get("metadata", {}),
            success_url=params["success_url"],
            cancel_url=params["cancel_url"],
            url_base=self.url_base,
        )
        obj["_subscription_metadata"] = (params.get("subscription_data") or {}).get("metadata", {})
        obj["_payment_metadata"] = (params.get("payment_intent_data") or {}).get("metadata", {})
        return self._add("checkout_sessions", obj)

    def create_portal_session(self, params: Obj) -> Obj:
        customer_id = params.get("customer") or ""
        self.get("customers", customer_id)
        obj = objects.portal_session(
            customer_id=customer_id,
            return_url=params.get("return_url") or self.url_base,
            url_base=self.url_base,
        )
        return self._add("portal_sessions", obj)

    def create_refund(self, params: Obj) -> Obj:
        if params.get("charge"):
            charge = self.get("charges", params["charge"])
        elif params.get("payment_intent"):
            intent = self.get("payment_intents", params["payment_intent"])
            charge = self.get("charges", intent["latest_charge"])
        else:
            raise StripeError("Give a charge or a payment_intent.", param="charge")
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount") or left)
        if not 0 < amount <= left:
            raise StripeError(
                f"Refund amount ({amount}) is greater than unrefunded amount ({left}).",
                param="amount",
            )
        obj = objects.refund(
            charge_obj=charge,
            amount=amount,
            reason=params.get("reason"),
            metadata=params.get("metadata", {}),
        )
        self._add("refunds", obj)
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, obj)
        self._event("refund.created", obj)
        self._event("charge.refunded", charge, previous)
        return obj

    def update_subscription(self, sub_id: str, params: Obj) -> Obj:
        sub = self.get("subscriptions", sub_id)
        if sub["status"] == "canceled":
            raise StripeError("A canceled subscription can only be read.", param="id")
        previous: Obj = {}
        if "cancel_at_period_end" in params:
            flag = str(params["cancel_at_period_end"]).lower() == "true"
            previous["cancel_at_period_end"] = sub["cancel_at_period_end"]
            item = sub["items"]["data"][0]
            sub["cancel_at_period_end"] = flag
            sub["cancel_at"] = item["current_period_end"] if flag else None
            sub["canceled_at"] = objects.now() if flag else None
        if params.get("items"):
            item = sub["items"]["data"][0]
            previous["items"] = {"data": [dict(item)]}
            item["price"] = self.price(params["items"][0]["price"])
        self._event("customer.subscription.updated", sub, previous)
        return sub

    def cancel_subscription(self, sub_id: str) -> Obj:
        sub = self.get("subscriptions", sub_id)
        if sub["status"] != "canceled":
            sub.update(status="canceled", ended_at=objects.now(), canceled_at=objects.now())
            self._event("customer.subscription.deleted", sub)
        return sub

    # -- hosted pages and the test clock --------------------------------------------------

    def _customer_for(self, session: Obj) -> str:
        if session["customer"]:
            return str(session["customer"])
        cus = self.create_customer({"email": session["customer_email"]})
        session["customer"] = cus["id"]
        return str(cus["id"])

    def _pay(self, amount: int, customer_id: str | None, metadata: dict[str, str]) -> Obj:
        intent = self._add(
            "payment_intents",
            objects.payment_intent(amount=amount, customer_id=customer_id, metadata=metadata),
        )
        charge = self._add("charges", objects.charge(intent=intent, url_base=self.url_base))
        intent["latest_charge"] = charge["id"]
        self._event("payment_intent.succeeded", intent)
        self._event("charge.succeeded", charge)
        return intent

    def _bill(self, sub: Obj, reason: str, start: int, end: int) -> Obj:
        inv = objects.invoice(
            customer_id=sub["customer"],
            sub=sub,
            reason=reason,
            period_start=start,
            period_end=end,
            url_base=self.url_base,
        )
        intent = self._pay(inv["amount_paid"], sub["customer"], sub["metadata"])
        self._add("invoices", inv)
        self._add("invoice_payments", objects.invoice_payment(invoice_obj=inv, intent=intent))
        sub["latest_invoice"] = inv["id"]
        self._event("invoice.paid", inv)
        self._event("invoice.payment_succeeded", inv)
        return inv

    def complete_checkout(self, session_id: str) -> str:
        """The Pay button: charge, fulfil, emit the events; returns the success URL."""
        session = self.get("checkout_sessions", session_id)
        if session["status"] == "open":
            price_obj = session["_price"]
            if session["mode"] == "payment":
                metadata = {**session["metadata"], **session["_payment_metadata"]}
                intent = self._pay(price_obj["unit_amount"], session["customer"], metadata)
                session["payment_intent"] = intent["id"]
            else:
                customer_id = self._customer_for(session)
                start = objects.now()
                sub = objects.subscription(
                    customer_id=customer_id,
                    price_obj=price_obj,
                    metadata={**session["metadata"], **session["_subscription_metadata"]},
                    start=start,
                    end=start + MONTH,
                )
                self._add("subscriptions", sub)
                self._event("customer.subscription.created", sub)
                inv = self._bill(sub, "subscription_create", start, start + MONTH)
                session.update(subscription=sub["id"], invoice=inv["id"])
            session.update(status="complete", payment_status="paid")
            self._event("checkout.session.completed", session)
        return str(session["success_url"]).replace("{CHECKOUT_SESSION_ID}", session_id)

    def renew(self, sub_id: str) -> Obj:
        """The test clock: move a subscription into its next period (or end it there)."""
        sub = self.get("subscriptions", sub_id)
        if sub["status"] == "canceled":
            raise StripeError("The subscription has ended.", param="id")
        item = sub["items"]["data"][0]
        if sub["cancel_at_period_end"]:
            return self.cancel_subscription(sub_id)
        previous = {
            "items": {"data": [{"current_period_end": item["current_period_end"]}]},
            "latest_invoice": sub.get("latest_invoice"),
        }
        start = item["current_period_end"]
        item.update(current_period_start=start, current_period_end=start + MONTH)
        self._bill(sub, "subscription_cycle", start, start + MONTH)
        self._event("customer.subscription.updated", sub, previous)
        return sub

    def open_dispute(self, charge_id: str) -> Obj:
        charge = self.get("charges", charge_id)
        if charge["disputed"]:
            raise StripeError("The charge is already disputed.", param="charge")
        obj = self._add("disputes", objects.dispute(charge_obj=charge))
        charge["disputed"] = True
        self._event("charge.dispute.created", obj)
        return obj

    def close_dispute(self, dispute_id: str, outcome: str) -> Obj:
        if outcome not in ("won", "lost"):
            raise StripeError("outcome must be won or lost", param="outcome")
        obj = self.get("disputes", dispute_id)
        if obj["status"] in ("won", "lost"):
            raise StripeError("The dispute is closed.", param="id")
        obj["status"] = outcome
        self._event("charge.dispute.closed", obj)
        return obj
