"""Stripe webhook throughput against a bare signature check plus one INSERT, on PostgreSQL.

    .venv/bin/python bench/webhooks.py [--threads 8] [--seconds 5] [--rounds 2] [--sqlite]

Both sides are served the same way, by uvicorn in a process of its own on the same database,
and driven by the same client threads posting signed `invoice.paid` events (built from
Stripe's fixtures, a new invoice each, so every one grants). The webhook side is the portal's
route: the SDK's signature check, the event id claimed in `stripe_events`, the user found,
the payments row and the ledger grant, one transaction. The bare side checks the signature
with the SDK and INSERTs the event id, nothing else. The ratio is webhook / bare; the aim is
>= 0.5. The load average is printed: other work on the box skews the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import stripe  # noqa: E402
from sqlalchemy import text  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from bench.ledger import scratch_database  # noqa: E402
from v4a_portal import schema_migrations  # noqa: E402
from v4a_portal.db import get_engine, session_scope  # noqa: E402
from v4a_portal.models import User  # noqa: E402
from v4a_portal.settings import get_settings  # noqa: E402

SECRET = "whsec_bench_0123456789abcdef"
WEBHOOK = "/api/v1/webhooks/stripe"
BARE_INSERT = text("INSERT INTO stripe_events (id, type, processed_at) VALUES (:id, :type, now())")
BARE_INSERT_SQLITE = text(
    "INSERT INTO stripe_events (id, type, processed_at) VALUES (:id, :type, CURRENT_TIMESTAMP)"
)


def bare_app() -> Starlette:
    """The baseline: what any webhook must do, and no more (uvicorn --factory)."""
    secret = os.environ["STRIPE_WEBHOOK_SECRET"]
    engine = get_engine()
    insert = BARE_INSERT if engine.dialect.name == "postgresql" else BARE_INSERT_SQLITE

    def store(payload: bytes, signature: str) -> None:
        stripe.WebhookSignature.verify_header(payload.decode(), signature, secret, 300)
        event = json.loads(payload)
        with engine.begin() as conn:
            conn.execute(insert, {"id": event["id"], "type": event["type"]})

    async def hook(request: Request) -> Response:
        payload = await request.body()
        await run_in_threadpool(store, payload, request.headers.get("stripe-signature", ""))
        return JSONResponse({"received": True})

    return Starlette(routes=[Route(WEBHOOK, hook, methods=["POST"])])


def make_users(count: int) -> list[int]:
    with session_scope() as session:
        users = [User(email=f"bench{n}@bench.example") for n in range(count)]
        session.add_all(users)
        session.flush()
        return [int(u.id or 0) for u in users]


def template(user_id: int) -> str:
    """An invoice.paid event for a new Basic subscription, as Stripe sends it, with
    placeholders for the ids that make each event new."""
    from v4a_portal.services.billing import catalog
    from v4a_portal.stripe_standin import objects

    basic = catalog.get("basic")
    price = objects.price(basic.price_id, basic.amount_cents, basic.code, True)
    start = objects.now()
    sub = objects.subscription(
        customer_id="cus_bench___USER__",
        price_obj=price,
        metadata={"user_id": "__USER__", "product": "basic"},
        start=start,
        end=start + 30 * 86400,
    )
    sub["id"] = "sub___N__"
    inv = objects.invoice(
        customer_id=sub["customer"],
        sub=sub,
        reason="subscription_cycle",
        period_start=start,
        period_end=start + 30 * 86400,
        url_base="http://bench.invalid",
    )
    inv["id"] = "in___N__"
    return json.dumps(objects.event("invoice.paid", inv, event_id="evt___N__"))


class Events:
    """Endless distinct signed-ready bodies: the template with a new number each time."""

    def __init__(self, users: list[int]) -> None:
        self.bodies = [template(0).replace("__USER__", str(u)) for u in users]
        self.count = 0
        self.lock = threading.Lock()
        self.run = uuid.uuid4().hex[:8]

    def next(self) -> bytes:
        with self.lock:
            self.count += 1
            n = self.count
        body = self.bodies[n % len(self.bodies)]
        return body.replace("__N__", f"{self.run}{n}").encode()


@contextmanager
def server(target: str, port: int, factory: bool) -> Iterator[str]:
    args = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(
        [*args, "--factory"] if factory else args, cwd=ROOT, env=dict(os.environ)
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/nowhere", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{target} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def drive(url: str, events: Events, threads: int, seconds: float) -> float:
    """Post signed events from `threads` clients for `seconds`; events/s answered 2xx."""
    lock = threading.Lock()
    done = [0]
    stop = time.perf_counter() + seconds

    def client() -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            while time.perf_counter() < stop:
                body = events.next()
                signature = stripe.WebhookSignature.generate_signature_header(body.decode(), SECRET)
                response = http.post(
                    WEBHOOK,
                    content=body,
                    headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
                )
                assert response.status_code == 200, response.text
                with lock:
                    done[0] += 1

    began = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return done[0] / (time.perf_counter() - began)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="webhook/bare pairs, alternated")
    parser.add_argument("--sqlite", action="store_true", help="SQLite file instead of PostgreSQL")
    args = parser.parse_args()

    os.environ.update(STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_SECRET_KEY="", V4A_STRIPE_MODE="test")
    get_settings.cache_clear()
    with scratch_database(args.sqlite) as url:
        schema_migrations.upgrade()
        users = make_users(args.threads * 4)
        events = Events(users)
        print(f"database: {url.split('@')[-1]}")
        print(f"{args.threads} client threads, {args.seconds:g} s per measurement")
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"{os.cpu_count()} CPUs, load average {load}\n")
        with (
            server("v4a_portal.api.app:create_api", free_port(), True) as portal,
            server("bench.webhooks:bare_app", free_port(), True) as bare,
        ):
            drive(portal, events, args.threads, 1.0)  # warm-up
            drive(bare, events, args.threads, 1.0)
            hook_rates, bare_rates = [], []
            for r in range(args.rounds):
                hook_rates.append(drive(portal, events, args.threads, args.seconds))
                bare_rates.append(drive(bare, events, args.threads, args.seconds))
                print(
                    f"round {r + 1}: webhook {hook_rates[-1]:7.0f} events/s   "
                    f"bare {bare_rates[-1]:7.0f} events/s   "
                    f"ratio {hook_rates[-1] / bare_rates[-1]:.2f}"
                )
        hook_rate = sum(hook_rates) / len(hook_rates)
        bare_rate = sum(bare_rates) / len(bare_rates)
        with session_scope() as session:
            granted = session.execute(
                text("SELECT COUNT(*) FROM credit_ledger WHERE kind = 'subscription_grant'")
            ).scalar_one()
        print(
            f"\nwebhook route  {hook_rate:7.0f} events/s  (verify, claim, grant; {granted} grants)"
        )
        print(f"bare           {bare_rate:7.0f} events/s  (verify + one INSERT)")
        print(f"ratio          {hook_rate / bare_rate:7.2f}   (aim >= 0.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
