"""The stand-in's HTTP surface: Stripe's REST paths the portal calls (form-encoded bodies,
Idempotency-Key replay, Stripe's error shape), the hosted pages, and the test controls."""

from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from v4a_portal.stripe_standin import pages
from v4a_portal.stripe_standin.delivery import Deliverer
from v4a_portal.stripe_standin.forms import decode
from v4a_portal.stripe_standin.objects import Obj
from v4a_portal.stripe_standin.store import Store, StripeError

Handler = Callable[[Request, Obj], Obj]


def _public(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def _list(items: list[Obj], url: str) -> Obj:
    return {"object": "list", "data": [_public(i) for i in items], "has_more": False, "url": url}


def create_app(store: Store, deliverer: Deliverer) -> Starlette:
    async def params(request: Request) -> Obj:
        if request.method in ("GET", "DELETE"):
            return decode(request.url.query)
        return decode((await request.body()).decode())

    def api(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not request.headers.get("authorization", "").startswith("Bearer sk_"):
                error = StripeError("Invalid API Key provided.", 401)
                return JSONResponse(error.body(), error.status)
            values = await params(request)
            key = request.headers.get("idempotency-key")
            with store.lock:
                if key and request.method == "POST" and key in store.idempotent:
                    status, body = store.idempotent[key]
                    return JSONResponse(body, status, headers={"Idempotent-Replayed": "true"})
                try:
                    status, body = 200, _public(handler(request, values))
                except StripeError as exc:
                    status, body = exc.status, exc.body()
                if key and request.method == "POST":
                    store.idempotent[key] = (status, body)
            return JSONResponse(body, status)

        return endpoint

    def pid(request: Request) -> str:
        return str(request.path_params["id"])

    def expand(values: Obj, obj: Obj, field: str, kind: str) -> Obj:
        if field in values.get("expand", []) and isinstance(obj.get(field), str):
            return {**obj, field: _public(store.get(kind, obj[field]))}
        return obj

    def retrieve(kind: str, *fields: tuple[str, str]) -> Handler:
        def handler(request: Request, values: Obj) -> Obj:
            obj = store.get(kind, pid(request))
            for field, field_kind in fields:
                obj = expand(values, obj, field, field_kind)
            return obj

        return handler

    def list_checkout_sessions(request: Request, values: Obj) -> Obj:
        found = store.find(
            "checkout_sessions",
            payment_intent=values.get("payment_intent"),
            subscription=values.get("subscription"),
            customer=values.get("customer"),
        )
        return _list(found, "/v1/checkout/sessions")

    def list_invoice_payments(request: Request, values: Obj) -> Obj:
        found = store.find("invoice_payments", invoice=values.get("invoice"))
        intent = (values.get("payment") or {}).get("payment_intent")
        if intent:
            found = [p for p in found if p["payment"].get("payment_intent") == intent]
        return _list(found, "/v1/invoice_payments")

    def list_refunds(request: Request, values: Obj) -> Obj:
        found = store.find(
            "refunds", charge=values.get("charge"), payment_intent=values.get("payment_intent")
        )
        return _list(sorted(found, key=lambda r: r["created"]), "/v1/refunds")

    def update_subscription(request: Request, values: Obj) -> Obj:
        return store.update_subscription(pid(request), values)

    def cancel_subscription(request: Request, values: Obj) -> Obj:
        return store.cancel_subscription(pid(request))

    def api_routes() -> list[Route]:
        def post(path: str, fn: Callable[[Obj], Obj]) -> Route:
            return Route(path, api(lambda _r, v: fn(v)), methods=["POST"])

        def get(path: str, handler: Handler) -> Route:
            return Route(path, api(handler), methods=["GET"])

        return [
            post("/v1/customers", store.create_customer),
            get("/v1/customers/{id}", retrieve("customers")),
            post("/v1/checkout/sessions", store.create_checkout_session),
            get("/v1/checkout/sessions", list_checkout_sessions),
            get("/v1/checkout/sessions/{id}", retrieve("checkout_sessions")),
            post("/v1/billing_portal/sessions", store.create_portal_session),
            get("/v1/subscriptions/{id}", retrieve("subscriptions")),
            Route("/v1/subscriptions/{id}", api(update_subscription), methods=["POST"]),
            Route("/v1/subscriptions/{id}", api(cancel_subscription), methods=["DELETE"]),
            get("/v1/invoices/{id}", retrieve("invoices")),
            get("/v1/invoice_payments", list_invoice_payments),
            get(
                "/v1/payment_intents/{id}",
                retrieve("payment_intents", ("latest_charge", "charges")),
            ),
            get("/v1/charges/{id}", retrieve("charges")),
            post("/v1/refunds", store.create_refund),
            get("/v1/refunds", list_refunds),
            get("/v1/refunds/{id}", retrieve("refunds")),
            get("/v1/disputes/{id}", retrieve("disputes")),
            get("/v1/prices/{id}", lambda r, v: store.price(pid(r))),
        ]

    # -- hosted pages ---------------------------------------------------------------------

    def html_errors(
        fn: Callable[[Request], Awaitable[Response]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                with store.lock:
                    return await fn(request)
            except StripeError as exc:
                return HTMLResponse(pages.page("Error", f"<p>{exc.message}</p>"), exc.status)

        return endpoint

    async def checkout_page(request: Request) -> Response:
        return HTMLResponse(pages.checkout(store.get("checkout_sessions", pid(request))))

    async def checkout_pay(request: Request) -> Response:
        return RedirectResponse(store.complete_checkout(pid(request)), 303)

    async def checkout_decline(request: Request) -> Response:
        return RedirectResponse(store.get("checkout_sessions", pid(request))["cancel_url"], 303)

    async def portal_page(request: Request) -> Response:
        session = store.get("portal_sessions", pid(request))
        subs = store.find("subscriptions", customer=session["customer"])
        return HTMLResponse(pages.portal(session, subs))

    async def _portal_sub(request: Request) -> tuple[Obj, str, Obj]:
        session = store.get("portal_sessions", pid(request))
        form = await params(request)
        sub = store.get("subscriptions", form.get("subscription", ""))
        if sub["customer"] != session["customer"]:
            raise StripeError("Not this customer's subscription.", 403)
        return form, f"/portal/{session['id']}", sub

    async def portal_plan(request: Request) -> Response:
        form, back, sub = await _portal_sub(request)
        store.update_subscription(sub["id"], {"items": [{"price": form.get("price", "")}]})
        return RedirectResponse(back, 303)

    async def portal_cancel(request: Request) -> Response:
        _, back, sub = await _portal_sub(request)
        store.update_subscription(sub["id"], {"cancel_at_period_end": "true"})
        return RedirectResponse(back, 303)

    # -- test controls (the dashboard's buttons and `python -m v4a_portal.stripe_standin`)

    def control(action: Callable[[str, Obj], Obj]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            form = await params(request)
            try:
                with store.lock:
                    obj = action(pid(request), form)
            except StripeError as exc:
                return JSONResponse(exc.body(), exc.status)
            if form.get("back"):
                return RedirectResponse(form["back"], 303)
            return JSONResponse(_public(obj))

        return endpoint

    async def dashboard(request: Request) -> Response:
        with store.lock:
            return HTMLResponse(pages.dashboard(store.objects, deliverer.status))

    async def events(request: Request) -> Response:
        with store.lock:
            listed = [
                {"id": e["id"], "type": e["type"], "delivery": deliverer.status.get(e["id"])}
                for e in store.events
            ]
        return JSONResponse({"data": listed, "idle": deliverer.idle()})

    def receipt(kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = html.escape(json.dumps(_public(store.get(kind, pid(request))), indent=2))
            return HTMLResponse(pages.page("Receipt", f"<h1>Receipt</h1><pre>{body}</pre>"))

        return endpoint

    def renew(sub_id: str, form: Obj) -> Any:
        return store.renew(sub_id)

    def dispute(charge_id: str, form: Obj) -> Any:
        return store.open_dispute(charge_id)

    def close(dispute_id: str, form: Obj) -> Any:
        return store.close_dispute(dispute_id, form.get("outcome", ""))

    routes = [
        *api_routes(),
        Route("/checkout/{id}", html_errors(checkout_page)),
        Route("/checkout/{id}/pay", html_errors(checkout_pay), methods=["POST"]),
        Route("/checkout/{id}/decline", html_errors(checkout_decline), methods=["POST"]),
        Route("/portal/{id}", html_errors(portal_page)),
        Route("/portal/{id}/plan", html_errors(portal_plan), methods=["POST"]),
        Route("/portal/{id}/cancel", html_errors(portal_cancel), methods=["POST"]),
        Route("/receipts/{id}", html_errors(receipt("charges"))),
        Route("/invoices/{id}", html_errors(receipt("invoices"))),
        Route("/", dashboard),
        Route("/_standin/events", events),
        Route("/_standin/subscriptions/{id}/renew", control(renew), methods=["POST"]),
        Route("/_standin/charges/{id}/dispute", control(dispute), methods=["POST"]),
        Route("/_standin/disputes/{id}/close", control(close), methods=["POST"]),
    ]
    return Starlette(routes=routes)
