"""Whether a browser tab is still connected, for background loops that serve one tab."""

from __future__ import annotations

import time

from reflex_base.registry import RegistrationContext
from reflex_base.utils.exceptions import ReflexRuntimeError


def connected(client_token: str) -> bool:
    """True while the tab's websocket is linked to this process.

    Reflex keeps running a background event after its tab closed; a loop that lives as long
    as a page asks this now and then and stops. Outside a running app (handler tests)
    there is no socket to ask, and the answer is True.
    """
    try:
        app = RegistrationContext.get().app
    except (LookupError, ReflexRuntimeError):
        return True
    namespace = app.event_namespace
    return namespace is None or client_token in namespace.token_to_sid


class Presence:
    """`connected`, asked at most every few seconds by a loop that wakes on every message."""

    def __init__(self, client_token: str, every: float = 2.0) -> None:
        self.client_token = client_token
        self.every = every
        self.asked_at = time.monotonic()

    def gone(self) -> bool:
        now = time.monotonic()
        if now - self.asked_at < self.every:
            return False
        self.asked_at = now
        return not connected(self.client_token)
