"""Calling Reflex handlers in tests: a signed-in user without a cookie, and a loop to await
on (the browser tests leave one running in this thread)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from reflex.state import BaseState, State

from tests.conftest import run_async
from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.state.auth import AuthState


def run(handler: Coroutine[Any, Any, Any]) -> Any:
    """Await a handler on its own loop."""
    return run_async(handler)


def signed_in_as(monkeypatch: pytest.MonkeyPatch, user_id: int) -> None:
    """Stand in for the session cookie: every handler asks `_signed_in()` first."""

    async def signed_in(self: AuthState) -> User | None:
        with session_scope() as session:
            user = session.get(User, user_id)
        auth = await self.get_state(AuthState)  # as the real one: who the tab serves, and
        auth._user_id = user.id if user else None  # the header's vars
        auth._show(user)
        return user

    monkeypatch.setattr(AuthState, "_signed_in", signed_in)


S = TypeVar("S", bound=BaseState)


def state_of(cls: type[S]) -> S:
    """A page state in a whole state tree, as Reflex builds one per browser tab: changing a
    var then also reaches the computed vars of the states below it."""
    root = State(_reflex_internal_init=True)
    return root.get_substate(cls.get_full_name().split("."))  # type: ignore[return-value]
