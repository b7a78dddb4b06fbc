"""Who is signed in: the HttpOnly session cookie → user, the header's vars, the page guard.

Every page state inherits from AuthState and asks `_signed_in()` in each handler, so the
session and role are checked on the server on every event, not only when a page loads.
"""

from __future__ import annotations

import asyncio
import json

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import permissions
from v4a_portal.services.auth import web_sessions
from v4a_portal.state import messages

# Runs in the browser: the API clears the HttpOnly cookie, then a full load drops this tab's
# websocket, whose headers still carry the old cookie.
_SIGN_OUT_JS = (
    f"fetch({json.dumps(routes.LOGOUT)}, {{method: 'POST', credentials: 'same-origin'}})"
    f".finally(() => window.location.assign({json.dumps(routes.SIGNIN)}))"
)


def _user_for(token: str | None) -> User | None:
    with session_scope() as session:
        return web_sessions.user_for(session, token)


def _end_session(token: str | None) -> None:
    with session_scope() as session:
        web_sessions.end(session, token)


class AuthState(rx.State):
    """The signed-in user as the header shows it; refreshed from the database on each event."""

    user_name: str = ""
    user_email: str = ""
    user_picture: str = ""
    initials: str = ""
    credits: rx.Field[int] = rx.field(0)
    role: str = ""
    role_label: str = ""
    can_console: bool = False
    # A subscriber's videos go on the priority queue (services/queues.py); the Studio says so.
    is_subscriber: bool = False
    # A one-line message carried in `?notice=` after a redirect (messages.NOTICES).
    notice: str = ""
    # The sign-in page's link is ready: false until its `load` has read `next` into the
    # link (a plain link works before the state arrives, and an early click would lose
    # where to go), and false again whenever this tab is sent to sign in.
    signin_ready: bool = False

    _user_id: int | None = None

    async def _signed_in(self) -> User | None:
        """The enabled user behind this tab's session cookie, re-read now; updates the header.

        When the user differs from the one this tab's state last served (signed out, or
        someone else signed in), every page state is reset first, so no data loaded for
        the previous user is ever sent to this browser again.
        """
        # Database calls run in a thread: a wait on the database must not stall the event
        # loop that serves every other browser's events.
        user = await asyncio.to_thread(_user_for, self._cookie())
        user_id = user.id if user else None
        auth = await self.get_state(AuthState)
        if user_id != auth._user_id:
            # A state that served nobody yet holds nothing to forget but what the browser
            # keeps for itself (e.g. the Studio's last work), which must survive.
            if auth._user_id is not None:
                await self._forget_everything()
            auth._user_id = user_id
        auth._show(user)
        return user

    async def _forget_everything(self) -> None:
        auth = await self.get_state(AuthState)
        pending = list(AuthState.get_substates())
        while pending:  # load every page state so reset() reaches it
            state_cls = pending.pop()
            pending.extend(state_cls.get_substates())
            await self.get_state(state_cls)
        auth.reset()

    def _cookie(self) -> str | None:
        # The websocket's handshake headers: the HttpOnly cookie never reaches JavaScript.
        return web_sessions.cookie_from_header(self.router.headers.cookie)

    def _show(self, user: User | None) -> None:
        self.user_name = (user.name or user.email.split("@")[0]) if user else ""
        self.user_email = user.email if user else ""
        self.user_picture = (user.picture or "") if user else ""
        self.initials = "".join(w[0] for w in self.user_name.split()[:2]).upper()
        self.credits = user.credits if user else 0
        self.role = user.role if user else ""
        self.role_label = messages.role_label(user.role) if user else ""
        self.can_console = permissions.can(user, "console.view")
        self.is_subscriber = bool(user and user.is_subscriber)

    def _here(self) -> str:
        url = self.router.url
        return f"{url.path}?{url.query}" if url.query else url.path

    def _bounce(self, user: User | None, permission: str = "") -> EventSpec | None:
        """Where to send someone who may not be here; None when they may."""
        if user is None:
            self.signin_ready = False
            return rx.redirect(routes.signin(self._here()), replace=True)
        if permission and not permissions.can(user, permission):
            return rx.redirect(routes.account("no_access"), replace=True)
        return None

    @rx.event
    async def guard(self, permission: str = "") -> EventSpec | None:
        """The first on_load event of every signed-in page (components/template.py)."""
        user = await self._signed_in()
        self.notice = messages.NOTICES.get(self.router.url.query_parameters.get("notice", ""), "")
        return self._bounce(user, permission)

    @rx.event
    async def enter(self) -> EventSpec:
        """The root URL: the Studio (where work starts) when signed in, else sign-in."""
        user = await self._signed_in()
        if user is None:
            self.signin_ready = False
        return rx.redirect(routes.HOME if user else routes.SIGNIN, replace=True)

    @rx.event
    async def sign_out(self) -> EventSpec:
        # End the session here too, so it is over even if the browser's request fails.
        self.signin_ready = False
        await asyncio.to_thread(_end_session, self._cookie())
        await self._signed_in()
        return rx.call_script(_SIGN_OUT_JS)
