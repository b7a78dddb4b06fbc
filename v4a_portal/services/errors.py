"""Domain errors raised by services; mapped to HTTP in api/errors.py and to UI text in state."""

from __future__ import annotations


class DomainError(Exception):
    """Base: `code` is stable for clients, `status` is the HTTP status it maps to."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(DomainError):
    code, status = "invalid_input", 422


class Unauthorized(DomainError):
    code, status = "unauthorized", 401


class Forbidden(DomainError):
    code, status = "forbidden", 403


class NotFound(DomainError):
    code, status = "not_found", 404


class Conflict(DomainError):
    code, status = "conflict", 409


class InsufficientCredits(DomainError):
    code, status = "insufficient_credits", 402

    def __init__(self, needed: int, balance: int) -> None:
        super().__init__(
            f"This needs {needed} credits and the balance is {balance}.",
        )
        self.needed = needed
        self.balance = balance


class TooLarge(DomainError):
    code, status = "too_large", 413


class UnsupportedMedia(DomainError):
    code, status = "unsupported_media_type", 415


class Unavailable(DomainError):
    code, status = "unavailable", 503
