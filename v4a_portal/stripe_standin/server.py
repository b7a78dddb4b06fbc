"""Run the stand-in: as its own process (`python -m v4a_portal.stripe_standin serve`, which
`scripts/run.sh` starts when no Stripe key is set) or in a thread (tests, benchmarks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from v4a_portal.stripe_standin.app import create_app
from v4a_portal.stripe_standin.delivery import Deliverer
from v4a_portal.stripe_standin.store import Store


@dataclass
class StandIn:
    url: str
    store: Store
    deliverer: Deliverer

    def wait_delivered(self, timeout: float = 20) -> None:
        """Until every event made so far has been delivered (or given up on)."""
        deadline = time.monotonic() + timeout
        while not self.deliverer.idle():
            if time.monotonic() > deadline:
                raise TimeoutError(f"events still pending: {self.deliverer.status}")
            time.sleep(0.02)


def build(
    url: str, webhook_url: str, webhook_secret: str, first_retry: float = 1.0
) -> tuple[StandIn, uvicorn.Server]:
    deliverer = Deliverer(webhook_url, webhook_secret, first_retry=first_retry)
    store = Store(url, deliverer.send)
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    config = uvicorn.Config(
        create_app(store, deliverer), host=host, port=int(port), log_level="warning"
    )
    return StandIn(url, store, deliverer), uvicorn.Server(config)


def serve(url: str, webhook_url: str, webhook_secret: str) -> None:
    standin, server = build(url, webhook_url, webhook_secret)
    try:
        server.run()
    finally:
        standin.deliverer.stop()


@contextmanager
def running(
    port: int, webhook_url: str, webhook_secret: str, first_retry: float = 0.2
) -> Iterator[StandIn]:
    """The stand-in on 127.0.0.1:`port` in a thread, until the block ends."""
    standin, server = build(f"http://127.0.0.1:{port}", webhook_url, webhook_secret, first_retry)
    thread = threading.Thread(target=server.run, name="stripe-standin", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Stripe stand-in did not start")
        time.sleep(0.01)
    try:
        yield standin
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        standin.deliverer.stop()
