"""Clips as staff see them (a row per video, with its owner), kept live while any is
active, and the actions on one: refund, retry (charged or waived, same or another model) and
cancel. Mixed into the clips page and the user page (with ConsoleState).

The live view re-reads the page's active rows (at most a page, by primary key) every
`LIVE_SECONDS` while the tab stays on the page: staff watch many customers' clips at once,
where the Studio's per-user progress channel (state/live_clips.py) would need one
subscription per customer on the page.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.services import catalog
from v4a_portal.services.console import staff_credits, staff_videos, video_search
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state import clients, formatting, messages
from v4a_portal.state.service_call import call, row_id

if TYPE_CHECKING:
    from v4a_portal.state.console_base import ConsoleState as _Base
else:
    _Base = rx.State

LIVE_SECONDS = 2.0


@dataclass(frozen=True)
class ClipRow:
    id: int
    user_id: int
    user_email: str
    user_url: str
    status: str
    status_label: str
    active: bool
    progress: int
    model: str
    provider: str
    spec: str  # "4 s · draft · 4 credits"
    attempts: int
    error_code: str
    error_message: str
    generation_id: str
    rq_job_id: str
    created: str
    ended: str
    # Active: "Age 3 min · expected ≤ 5 min" (how long it has waited); ended: "Took 45 s"
    # (request to ending; the ending's time is on the dates line).
    timing: str
    stuck: bool
    expected: str  # "5 min"
    refunded: bool
    retry_of_id: int
    retry_of_url: str
    can_refund: bool  # by its state; the role is asked separately
    can_retry: bool
    can_cancel: bool


def duration_text(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{round(seconds / 86400)} d"


def clip_row(line: video_search.VideoLine) -> ClipRow:
    finished = line.status in ("completed", "failed", "canceled")
    return ClipRow(
        id=line.id,
        user_id=line.user_id,
        user_email=line.user_email,
        user_url=routes.console_user(line.user_id, tab="clips"),
        status=line.status,
        status_label=messages.clip_status(line.status),
        active=not finished,
        progress=100 if line.status == "completed" else max(0, min(99, line.progress)),
        model=line.model,
        provider=line.provider or "—",
        spec=f"{line.duration} s · {line.credits_used} credits",
        attempts=line.attempts,
        error_code=line.error_code,
        error_message=line.error_message,
        generation_id=line.generation_id,
        rq_job_id=line.rq_job_id,
        created=formatting.timestamp(line.created_at),
        ended=formatting.timestamp(line.completed_at),
        timing=(
            f"Took {duration_text(line.age_seconds)}"
            if finished
            else f"Age {duration_text(line.age_seconds)} · "
            f"expected ≤ {duration_text(line.expected_seconds)}"
        ),
        stuck=line.stuck,
        expected=duration_text(line.expected_seconds),
        refunded=line.refunded_at is not None,
        retry_of_id=line.retry_of_id or 0,
        retry_of_url=routes.console_clips(video=line.retry_of_id) if line.retry_of_id else "",
        can_refund=finished and line.refunded_at is None and line.credits_used > 0,
        can_retry=line.status in ("failed", "canceled"),
        can_cancel=not finished,
    )


def _model_options() -> list[list[str]]:
    return [[m.id, m.label] for m in catalog.models()]


class ClipActions(_Base, mixin=True):
    """`clips` (rows) with live progress and the one-clip actions' dialog fields."""

    clips: rx.Field[list[ClipRow]] = rx.field(default_factory=list)
    # The dialog of one action on one clip: which clip, the reason, the retry's choices.
    clip_id: rx.Field[int] = rx.field(0)
    clip_reason: rx.Field[str] = rx.field("")
    retry_charge: rx.Field[str] = rx.field("waived")  # "charged" | "waived"
    retry_model: rx.Field[str] = rx.field("")
    model_options: rx.Field[list[list[str]]] = rx.field(default_factory=list)
    clip_error: rx.Field[str] = rx.field("")
    clip_done: rx.Field[str] = rx.field("")
    _clip_key: str = ""

    async def _reload_clips(self, ctx: StaffContext) -> None:
        """Read the clips the page shows again (the subclass's job)."""

    @rx.event
    def open_clip_action(self, video_id: int, model: str = "") -> None:
        """A clip's action dialog opens: a fresh reason, and the key that makes a double
        click one retry."""
        self.clip_id = row_id(video_id)
        self.clip_reason = ""
        self.retry_charge = "waived"
        self.model_options = _model_options()
        ids = [m[0] for m in self.model_options]
        self.retry_model = model if model in ids else (ids[0] if ids else "")
        self._clip_key = staff_credits.new_key()
        self.clip_error = self.clip_done = ""

    @rx.event
    def set_clip_reason(self, value: str) -> None:
        self.clip_reason = value[:500]

    @rx.event
    def set_retry_charge(self, value: str) -> None:
        self.retry_charge = "charged" if value == "charged" else "waived"

    @rx.event
    def set_retry_model(self, value: str) -> None:
        self.retry_model = value

    async def _act(self, kind: str) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        video_id, reason = self.clip_id, self.clip_reason
        if kind == "refund":
            refunded, self.clip_error = await call(staff_videos.refund, ctx, video_id, reason)
            if refunded is not None:
                self.clip_done = (
                    f"Clip #{video_id} refunded: {refunded.credits} credits back "
                    f"(balance {refunded.balance})."
                )
        elif kind == "cancel":
            canceled, self.clip_error = await call(staff_videos.cancel, ctx, video_id, reason)
            if canceled is not None:
                self.clip_done = f"Clip #{video_id} canceled and refunded."
        else:
            retried, self.clip_error = await call(
                _retry,
                ctx,
                video_id,
                self.retry_charge == "charged",
                self.retry_model,
                reason,
                self._clip_key,
            )
            if retried is not None:
                paid = "waived" if retried.waived else f"{retried.credits} credits charged"
                self.clip_done = f"Clip #{video_id} retried as clip #{retried.video_id} ({paid})."
        if self.clip_error:
            self.clip_done = ""
        await self._reload_clips(ctx)
        return type(self).watch_active_clips

    @rx.event
    async def refund_clip(self) -> EventSpec | None:
        return await self._act("refund")

    @rx.event
    async def retry_clip(self) -> EventSpec | None:
        return await self._act("retry")

    @rx.event
    async def cancel_clip(self) -> EventSpec | None:
        return await self._act("cancel")

    @rx.event(background=True)
    async def watch_active_clips(self):
        """Re-read the page's active clips every few seconds until none is active, the tab
        leaves this page, or it closes."""
        async with self:
            ctx, _ = await self._staff()
            if ctx is None:
                return
            route = self.router.route_id
            tab = clients.Presence(self.router.session.client_token, every=0)
        while True:
            async with self:
                ids = [c.id for c in self.clips if c.active]
                if not ids or self.router.route_id != route:
                    return
            await asyncio.sleep(LIVE_SECONDS)
            if tab.gone():
                return
            fresh, _failed = await call(video_search.lines, ctx, ids)
            if fresh is None:
                return
            rows = {line.id: clip_row(line) for line in fresh}
            async with self:
                if self.router.route_id != route:
                    return
                self.clips = [rows.get(c.id, c) for c in self.clips]


def _retry(
    ctx: StaffContext, video_id: int, charge: bool, model: str, reason: str, key: str
) -> staff_videos.Retried:
    return staff_videos.retry(
        ctx, video_id, charge=charge, model=model or None, reason=reason, key=key
    )
