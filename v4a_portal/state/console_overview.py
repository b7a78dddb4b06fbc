"""`/console`: today's counts and the console's sections this role may open."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.services.console import overview
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state.console_base import ConsoleState
from v4a_portal.state.service_call import call


class ConsoleOverviewState(ConsoleState):
    permission: ClassVar[str] = overview.PERMISSION

    failed_last_24h: rx.Field[int] = rx.field(0)
    running: rx.Field[int] = rx.field(0)
    queue_depth: rx.Field[str] = rx.field("—")  # "—" when Redis does not answer
    adjustments_today: rx.Field[int] = rx.field(0)
    loading: rx.Field[bool] = rx.field(True)

    @rx.event
    async def load(self) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        return await self._read(ctx)

    async def _read(self, ctx: StaffContext) -> EventSpec | None:
        counts, self.load_error = await call(overview.counts, ctx)
        if counts is not None:
            self.failed_last_24h = counts.failed_last_24h
            self.running = counts.running
            self.queue_depth = "—" if counts.queue_depth is None else str(counts.queue_depth)
            self.adjustments_today = counts.adjustments_today
        self.loading = False
        return None

    @rx.event
    async def refresh(self) -> EventSpec | None:
        self.loading = True
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        return await self._read(ctx)
