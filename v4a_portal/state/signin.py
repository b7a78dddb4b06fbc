"""The sign-in page: where to go afterwards, and what went wrong last time."""

from __future__ import annotations

from urllib.parse import urlsplit

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.services.redirects import safe_next
from v4a_portal.settings import get_settings
from v4a_portal.state import messages
from v4a_portal.state.auth import AuthState


class SignInState(AuthState):
    error: str = ""
    login_url: str = routes.google_login(routes.HOME)
    signup_bonus: int = 0

    @rx.event
    async def load(self) -> EventSpec | None:
        params = self.router.url.query_parameters
        # Only local paths: the same rule the login route applies to `next`.
        next_path = safe_next(params.get("next"))
        if urlsplit(next_path).path.rstrip("/") in ("", routes.SIGNIN):
            next_path = routes.HOME
        if await self._signed_in() is not None:
            return rx.redirect(next_path, replace=True)
        self.error = messages.signin_error(params.get("error"))
        self.login_url = routes.google_login(next_path)
        self.signup_bonus = get_settings().signup_bonus
        self.signin_ready = True
        return None
