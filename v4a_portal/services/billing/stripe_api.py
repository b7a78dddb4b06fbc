"""The Stripe client: Stripe itself with a secret key, else the local stand-in (test mode).
Errors from Stripe become domain errors here, so callers see one kind of failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import stripe

from v4a_portal.services.errors import Unavailable
from v4a_portal.settings import get_settings

# Any key the stand-in accepts; it checks only the `sk_` prefix, as a real key has one.
STANDIN_KEY = "sk_test_v4a_standin"


@lru_cache(maxsize=4)
def _client(key: str, standin_url: str | None) -> stripe.StripeClient:
    if standin_url is None:
        return stripe.StripeClient(key, max_network_retries=2)
    return stripe.StripeClient(key, base_addresses={"api": standin_url}, max_network_retries=2)


def client() -> stripe.StripeClient:
    s = get_settings()
    if s.stripe_secret_key:
        return _client(s.stripe_secret_key, None)
    return _client(STANDIN_KEY, s.stripe_standin_url.rstrip("/"))


def uses_standin() -> bool:
    return not get_settings().stripe_secret_key


def test_mode() -> bool:
    """No real money moves: the stand-in, or Stripe in test mode."""
    s = get_settings()
    return uses_standin() or s.stripe_mode == "test" or s.stripe_secret_key.startswith("sk_test_")


@contextmanager
def calling() -> Iterator[None]:
    """Turn Stripe's errors into Unavailable (503) with Stripe's message."""
    try:
        yield
    except stripe.StripeError as exc:
        message = exc.user_message or "The payment provider did not answer."
        raise Unavailable(f"Payments: {message}", code="payments_unavailable") from exc
