"""The base of every console page state: the session and the page's permission checked once
per event, the acting staff member as a `StaffContext` for the services (which check the
permission again), and `may()` for what the UI offers each role."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx
from reflex.event import EventHandler, EventSpec
from reflex.vars import Var

from v4a_portal.models import User
from v4a_portal.services import permissions
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state.auth import AuthState


def handler(fn: object) -> EventHandler:
    """A state's event handler, typed for mypy (which reads `rx.event` methods as plain
    objects) and checked to be one."""
    assert isinstance(fn, EventHandler), fn
    return fn


def may(permission: str) -> Var[bool]:
    """True in the browser when the signed-in role holds `permission` (from the one matrix).

    Only decides what is shown: every handler and service checks again on the server.
    """
    roles = sorted(role.value for role in permissions.MATRIX[permission])
    return Var.create(roles).contains(AuthState.role).to(bool)


class ConsoleState(AuthState):
    """Subclass per page, set `permission`, and start each handler with `_staff()`.

    Event handlers belong to the state class that defines them (Reflex), so each page
    state defines its own `load`; the vars here are shared by every console page.
    """

    permission: ClassVar[str] = "console.view"
    # False until the server has checked this user may see the page; content waits on it.
    allowed: rx.Field[bool] = rx.field(False)
    # Why the page's data could not be read ("" when it could).
    load_error: rx.Field[str] = rx.field("")

    async def _staff(self) -> tuple[StaffContext | None, EventSpec | None]:
        """(who acts, None) when the signed-in user holds the page's permission, else
        (None, where to send them); the page's data is dropped when they may not see it."""
        user = await self._signed_in()
        bounce = self._bounce(user, self.permission)
        if bounce is not None or user is None:
            self.allowed = False
            return None, bounce
        self.allowed = True
        return self._context(user), None

    def _context(self, user: User) -> StaffContext:
        return StaffContext(
            actor=user,
            ip=self.router.session.client_ip or None,
            user_agent=self.router.headers.user_agent or None,
        )

    def _may(self, ctx: StaffContext, permission: str) -> bool:
        return permissions.can(ctx.actor, permission)
