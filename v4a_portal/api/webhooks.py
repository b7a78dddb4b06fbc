"""Webhooks from outside services: Stripe's events, verified on the raw body."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from v4a_portal.services import billing

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


class Received(BaseModel):
    received: bool
    outcome: str  # "applied" | "ignored" | "duplicate"


@router.post("/stripe", response_model=Received, summary="Stripe events (signed)")
async def stripe_events(request: Request) -> JSONResponse:
    """400 for a bad signature or a body that is not an event (nothing stored); 2xx for
    every verified event, including those the portal does not use and repeats."""
    payload = await request.body()  # the raw bytes: the signature covers exactly these
    signature = request.headers.get("stripe-signature")
    outcome = await run_in_threadpool(billing.receive, payload, signature)
    # The documented `Received`, written directly: no model validated and serialized per
    # delivery on the busiest route.
    return JSONResponse({"received": True, "outcome": outcome})
