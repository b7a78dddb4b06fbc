"""`/console/clips`: every clip across users, filtered, sorted and paged on the server, live
while any on the page is active; bulk retry after a provider outage (preview, then confirm)."""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.models import utcnow
from v4a_portal.services.console import staff_credits, staff_videos, video_search
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state import service_call
from v4a_portal.state.console_base import ConsoleState
from v4a_portal.state.console_clip_actions import ClipActions, clip_row
from v4a_portal.state.paging import PER_PAGE, Paging
from v4a_portal.state.service_call import call

ANY = "any"  # the selects' "no filter" value (Radix selects refuse "")
# Time windows the filter offers: value → (label, hours); "any" is every clip.
WINDOWS = {
    "1h": ("Last hour", 1),
    "24h": ("Last 24 h", 24),
    "7d": ("Last 7 days", 168),
    "30d": ("Last 30 days", 720),
}
SORTS = {
    "created_at": "Requested",
    "completed_at": "Ended",
    "attempts": "Attempts",
    "status": "Status",
    "model": "Model",
    "provider": "Provider",
}


class ConsoleClipsState(ClipActions, Paging, ConsoleState):
    permission: ClassVar[str] = video_search.PERMISSION

    status: rx.Field[str] = rx.field(ANY)
    model: rx.Field[str] = rx.field(ANY)
    provider: rx.Field[str] = rx.field(ANY)
    error_code: rx.Field[str] = rx.field(ANY)
    window: rx.Field[str] = rx.field(ANY)
    user: rx.Field[str] = rx.field("")  # a user id, as typed
    video: rx.Field[str] = rx.field("")  # one clip (and its retries), from a link
    batch: rx.Field[str] = rx.field("")
    sort: rx.Field[str] = rx.field("created_at")
    descending: rx.Field[bool] = rx.field(True)
    models: rx.Field[list[str]] = rx.field(default_factory=list)
    providers: rx.Field[list[str]] = rx.field(default_factory=list)
    error_codes: rx.Field[list[str]] = rx.field(default_factory=list)

    # Bulk retry: the preview's numbers, then the confirmation.
    bulk_count: rx.Field[int] = rx.field(-1)  # -1: no preview yet
    bulk_credits: rx.Field[int] = rx.field(0)
    bulk_charge: rx.Field[str] = rx.field("waived")
    bulk_reason: rx.Field[str] = rx.field("")
    bulk_error: rx.Field[str] = rx.field("")
    bulk_done: rx.Field[str] = rx.field("")
    _bulk_key: str = ""

    @rx.var
    def filtered(self) -> bool:
        return any(
            v != ANY for v in (self.status, self.model, self.provider, self.error_code, self.window)
        ) or bool(self.user or self.video or self.batch)

    @rx.event
    async def load(self) -> EventSpec | None:
        query = self.router.url.query_parameters
        self.status = query.get("status", ANY) or ANY
        self.user = query.get("user", "")
        self.video = query.get("video", "")
        self.batch = query.get("batch", "")
        self.model = self.provider = self.error_code = self.window = ANY
        self.page, self.bulk_count, self.clip_done, self.clip_error = 1, -1, "", ""
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        facets, _ = await call(video_search.facets, ctx)
        if facets is not None:
            self.models, self.providers = facets.models, facets.providers
            self.error_codes = facets.error_codes
        return await self._reload()

    def _filters(self) -> video_search.VideoFilters:
        hours = WINDOWS.get(self.window, ("", 0))[1]
        return video_search.VideoFilters(
            status="" if self.status == ANY else self.status,
            model="" if self.model == ANY else self.model,
            provider="" if self.provider == ANY else self.provider,
            error_code="" if self.error_code == ANY else self.error_code,
            user_id=service_call.row_id(self.user) or None,
            since=utcnow() - timedelta(hours=hours) if hours else None,
            video_id=service_call.row_id(self.video) or None,
            batch_id=self.batch,
        )

    async def _reload(self) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            self.clips, self.total, self.loading = [], 0, False
            return bounce
        await self._reload_clips(ctx)
        return type(self).watch_active_clips

    async def _reload_clips(self, ctx: StaffContext) -> None:
        found, self.load_error = await call(
            _search, ctx, self._filters(), self.sort, self.descending, self.page
        )
        if found is not None:
            self.clips = [clip_row(line) for line in found.items]
            self.total, self.total_capped = found.total, found.total_capped
        self.loading = False

    async def _refilter(self):
        self.page, self.loading, self.bulk_count = 1, True, -1
        yield
        yield await self._reload()

    @rx.event
    async def set_filter(self, name: str, value: str):
        if name in ("status", "model", "provider", "error_code", "window"):
            setattr(self, name, value or ANY)
        elif name in ("user", "video", "batch"):
            setattr(self, name, value.strip()[:100])
        async for update in self._refilter():
            yield update

    @rx.event
    async def clear_filters(self):
        self.status = self.model = self.provider = self.error_code = self.window = ANY
        self.user = self.video = self.batch = ""
        async for update in self._refilter():
            yield update

    @rx.event
    async def set_sort(self, value: str):
        if value in SORTS:
            self.sort = value
        async for update in self._refilter():
            yield update

    @rx.event
    async def flip_order(self):
        self.descending = not self.descending
        async for update in self._refilter():
            yield update

    def _bulk_filters(self) -> staff_videos.BulkFilters:
        f = self._filters()
        return staff_videos.BulkFilters(
            provider=f.provider or None,
            model=f.model or None,
            error_code=f.error_code or None,
            since=f.since,
            until=f.until,
            user_id=f.user_id,
        )

    @rx.event
    async def open_bulk(self) -> EventSpec | None:
        """The bulk dialog opens: a new key (a second submit is the same bulk retry) and a
        dry run of the current filters for the preview."""
        self._bulk_key = staff_credits.new_key()
        self.bulk_reason, self.bulk_error, self.bulk_done = "", "", ""
        self.bulk_charge, self.bulk_count = "waived", -1
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        preview, self.bulk_error = await call(
            _bulk, ctx, self._bulk_filters(), False, "", self._bulk_key, True
        )
        if preview is not None:
            self.bulk_count, self.bulk_credits = preview.count, preview.credits
        return None

    @rx.event
    def set_bulk_reason(self, value: str) -> None:
        self.bulk_reason = value[:500]

    @rx.event
    def set_bulk_charge(self, value: str) -> None:
        self.bulk_charge = "charged" if value == "charged" else "waived"

    @rx.event
    async def confirm_bulk(self) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        done, self.bulk_error = await call(
            _bulk,
            ctx,
            self._bulk_filters(),
            self.bulk_charge == "charged",
            self.bulk_reason,
            self._bulk_key,
            False,
        )
        if done is not None:
            skipped = (
                f"; {len(done.skipped_ids)} skipped (customer short of credits)"
                if done.skipped_ids
                else ""
            )
            self.bulk_done = f"{len(done.new_video_ids)} clips retried{skipped}."
        self.bulk_count = -1
        await self._reload_clips(ctx)
        return type(self).watch_active_clips


def _search(
    ctx: StaffContext, filters: video_search.VideoFilters, sort: str, descending: bool, page: int
) -> video_search.VideoPage:
    return video_search.search(
        ctx, filters, sort=sort, descending=descending, page=page, per_page=PER_PAGE
    )


def _bulk(
    ctx: StaffContext,
    filters: staff_videos.BulkFilters,
    charge: bool,
    reason: str,
    key: str,
    dry_run: bool,
) -> staff_videos.BulkRetry:
    return staff_videos.bulk_retry(
        ctx, filters, charge=charge, reason=reason, key=key, dry_run=dry_run
    )
