"""Delivers events to the webhook as Stripe does: signed when sent, at least once, and
again later (backing off) until the endpoint answers 2xx or the attempts run out."""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field

import httpx
import stripe

from v4a_portal.stripe_standin.objects import Obj

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Attempt:
    due: float
    seq: int
    event: Obj = field(compare=False)
    number: int = field(compare=False, default=1)


class Deliverer:
    """One thread sending events in the order they were made; failures are retried after
    `first_retry` x 2^n seconds (Stripe waits hours; the stand-in compresses that)."""

    def __init__(
        self,
        webhook_url: str,
        secret: str,
        *,
        first_retry: float = 1.0,
        max_attempts: int = 12,
    ) -> None:
        self.webhook_url, self.secret = webhook_url, secret
        self.first_retry, self.max_attempts = first_retry, max_attempts
        self.status: dict[str, str] = {}  # event id → "pending" | "delivered" | "failed"
        self._queue: list[_Attempt] = []
        self._seq = itertools.count()
        self._wake = threading.Condition()
        self._stopped = False
        self._client = httpx.Client(timeout=30)
        self._thread = threading.Thread(target=self._run, name="standin-webhooks", daemon=True)
        self._thread.start()

    def send(self, event: Obj) -> None:
        with self._wake:
            self.status[event["id"]] = "pending"
            heapq.heappush(self._queue, _Attempt(time.monotonic(), next(self._seq), event))
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify()
        self._thread.join(timeout=5)
        self._client.close()

    def idle(self) -> bool:
        with self._wake:
            return not any(s == "pending" for s in self.status.values())

    def _next(self) -> _Attempt | None:
        with self._wake:
            while not self._stopped:
                if self._queue and self._queue[0].due <= time.monotonic():
                    return heapq.heappop(self._queue)
                wait = self._queue[0].due - time.monotonic() if self._queue else None
                self._wake.wait(wait)
        return None

    def _run(self) -> None:
        while (attempt := self._next()) is not None:
            ok = self._post(attempt.event)
            with self._wake:
                if ok:
                    self.status[attempt.event["id"]] = "delivered"
                elif attempt.number >= self.max_attempts:
                    self.status[attempt.event["id"]] = "failed"
                else:
                    delay = self.first_retry * 2 ** (attempt.number - 1)
                    retry = _Attempt(
                        time.monotonic() + delay, next(self._seq), attempt.event, attempt.number + 1
                    )
                    heapq.heappush(self._queue, retry)

    def _post(self, event: Obj) -> bool:
        body = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(body, self.secret)
        try:
            response = self._client.post(
                self.webhook_url,
                content=body.encode(),
                headers={"Content-Type": "application/json", "Stripe-Signature": header},
            )
        except httpx.HTTPError as exc:
            log.info("webhook %s for %s failed: %s", event["type"], event["id"], exc)
            return False
        if not response.is_success:
            log.info("webhook %s for %s: %s", event["type"], event["id"], response.status_code)
        return response.is_success
