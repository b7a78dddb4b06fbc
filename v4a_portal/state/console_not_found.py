"""The not-found page: who is signed in (for the header), without sending anyone away."""

from __future__ import annotations

import reflex as rx

from v4a_portal.state.auth import AuthState


class NotFoundState(AuthState):
    signed_in: rx.Field[bool] = rx.field(False)

    @rx.event
    async def load(self) -> None:
        self.signed_in = await self._signed_in() is not None
