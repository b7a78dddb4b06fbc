"""Sentences the customer reads about their work, said the same way by API, UI and jobs."""

from __future__ import annotations

REFUNDED = "Your credits were refunded."


def refunded(message: str) -> str:
    """`message` followed by the refund notice."""
    return f"{message.rstrip()} {REFUNDED}"


CANCELED = refunded("Canceled.")
TIMED_OUT = refunded("This clip took too long and was stopped.")
TOO_MANY_ATTEMPTS = refunded("This clip failed repeatedly on our side.")
GENERATION_FAILED = refunded("Generation failed on our side.")
NOT_GENERATED = "The video could not be generated."
