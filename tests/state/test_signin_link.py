"""The sign-in link waits for the page to read `next` (tests/e2e/test_sign_in.py shows why):
being sent to sign in, by a guard or by signing out, makes it wait again, so a tab that
signed in before never shows the last visit's link for the next one."""

from __future__ import annotations

import pytest

from tests.state.handlers import run, signed_in_as, state_of
from tests.support.factories import funded_user
from v4a_portal.state.auth import AuthState
from v4a_portal.state.signin import SignInState


def _signed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    async def nobody(self: AuthState) -> None:
        return None

    monkeypatch.setattr(AuthState, "_signed_in", nobody)


def test_a_guard_sending_the_tab_to_sign_in_makes_the_link_wait(
    sqlite_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _signed_out(monkeypatch)
    state = state_of(SignInState)
    run(state.load())
    assert state.signin_ready  # read `next`: the link may show
    auth = run(state.get_state(AuthState))
    assert run(auth.guard()) is not None  # signed out: off to /signin
    assert not state.signin_ready


def test_signing_out_makes_the_link_wait(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in_as(monkeypatch, funded_user())
    state = state_of(SignInState)
    state.signin_ready = True  # this tab signed in through the page before
    auth = run(state.get_state(AuthState))
    run(auth.sign_out())
    assert not state.signin_ready
