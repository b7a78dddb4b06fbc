"""`/console/queues`: RQ's queues, workers and failed jobs, and the throughput chart,
re-read every few seconds while the tab stays on the page (a background loop that stops
when the tab leaves or closes)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import plotly.graph_objects as go
import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.services.console import queue_status
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state import clients, formatting
from v4a_portal.state.console_base import ConsoleState
from v4a_portal.state.console_clip_actions import duration_text
from v4a_portal.state.service_call import call

REFRESH_SECONDS = 5.0
REDIS_DOWN = "The queues cannot be read: Redis is not answering. Retrying every few seconds."
_PALETTE = ["#3e63dd", "#30a46c", "#f76b15", "#8e4ec6", "#12a594", "#e5484d"]


@dataclass(frozen=True)
class QueueItem:
    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int
    finished: int


@dataclass(frozen=True)
class ClipLink:
    id: int
    url: str


# Clips in flight listed by link per worker; the rest are counted.
CARRIED_SHOWN = 12


@dataclass(frozen=True)
class WorkerItem:
    name: str
    host: str
    pid: int
    state: str
    busy: bool
    queues: str
    job: str
    clip_id: int
    clip_url: str
    carrying: list[ClipLink]  # the first clips its in-flight watcher carries
    in_flight: int  # how many it carries
    heartbeat: str
    successful: int
    failed: int


@dataclass(frozen=True)
class FailedItem:
    id: str
    queue: str
    description: str
    clip_id: int
    clip_url: str
    exception: str
    traceback: str
    when: str


def _ago(seconds: float) -> str:
    return f"{duration_text(max(0, int(seconds)))} ago"


def _worker(w: queue_status.WorkerLine, now: float) -> WorkerItem:
    return WorkerItem(
        name=w.name,
        host=w.host,
        pid=w.pid,
        state=w.state,
        busy=w.state == "busy",
        queues=", ".join(w.queues),
        job=w.current_job_id,
        clip_id=w.current_video_id,
        clip_url=routes.console_clips(video=w.current_video_id) if w.current_video_id else "",
        carrying=[ClipLink(v, routes.console_clips(video=v)) for v in w.in_flight[:CARRIED_SHOWN]],
        in_flight=len(w.in_flight),
        heartbeat=_ago(now - w.last_heartbeat.timestamp()) if w.last_heartbeat else "never",
        successful=w.successful,
        failed=w.failed,
    )


def _failed(job: queue_status.FailedJob) -> FailedItem:
    return FailedItem(
        id=job.id,
        queue=job.queue,
        description=job.description,
        clip_id=job.video_id,
        clip_url=routes.console_clips(video=job.video_id) if job.video_id else "",
        exception=job.exception,
        traceback=job.traceback,
        when=formatting.timestamp(job.ended_at),
    )


def _figure(points: list[queue_status.ThroughputPoint], now: datetime) -> go.Figure:
    """Bars per 10 minutes over the whole day (a quiet day shows as such), completed up and
    failed down, a colour per provider."""
    figure = go.Figure()
    bucket_ms = queue_status.BUCKET_MINUTES * 60 * 1000
    providers = sorted({p.provider for p in points})
    for index, provider in enumerate(providers):
        mine = [p for p in points if p.provider == provider]
        color = _PALETTE[index % len(_PALETTE)]
        x = [p.start for p in mine]
        figure.add_bar(
            x=x,
            y=[p.completed for p in mine],
            width=[bucket_ms] * len(mine),
            offset=0,
            name=f"{provider} completed",
            marker_color=color,
        )
        figure.add_bar(
            x=x,
            y=[-p.failed for p in mine],
            width=[bucket_ms] * len(mine),
            offset=0,
            name=f"{provider} failed",
            marker_color=color,
            marker_pattern_shape="/",
            opacity=0.6,
            customdata=[p.failed for p in mine],
            hovertemplate="%{customdata} failed<extra>" + provider + "</extra>",
        )
    figure.update_layout(
        barmode="relative",
        height=280,
        margin={"l": 40, "r": 8, "t": 8, "b": 32},
        legend={"orientation": "h", "y": -0.2},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        yaxis_title="clips per 10 min (failed below 0)",
        autosize=True,
        xaxis={"range": [now - timedelta(hours=queue_status.WINDOW_HOURS), now]},
    )
    return figure


class ConsoleQueuesState(ConsoleState):
    permission: ClassVar[str] = queue_status.PERMISSION

    queues: rx.Field[list[QueueItem]] = rx.field(default_factory=list)
    workers: rx.Field[list[WorkerItem]] = rx.field(default_factory=list)
    failed_jobs: rx.Field[list[FailedItem]] = rx.field(default_factory=list)
    chart: rx.Field[go.Figure] = rx.field(default_factory=go.Figure)
    has_throughput: rx.Field[bool] = rx.field(False)
    read_at: rx.Field[str] = rx.field("")
    loading: rx.Field[bool] = rx.field(True)

    @rx.event
    async def load(self) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            return bounce
        return await self._read(ctx)

    async def _read(self, ctx: StaffContext) -> EventSpec | None:
        self._apply(await _fetch(ctx))
        return ConsoleQueuesState.keep_fresh

    def _apply(self, fetched: _Fetched) -> None:
        status, points, error, wall = fetched
        if status is not None:
            self.queues = [QueueItem(**vars(q)) for q in status.queues]
            self.workers = [_worker(w, wall) for w in status.workers]
            self.failed_jobs = [_failed(j) for j in status.failed_jobs]
        if points is not None:
            self.chart = _figure(points, datetime.fromtimestamp(wall, UTC))
            self.has_throughput = bool(points)
        self.load_error = error
        self.read_at = formatting.timestamp(datetime.fromtimestamp(wall, UTC))
        self.loading = False

    @rx.event(background=True)
    async def keep_fresh(self):
        """Re-read every REFRESH_SECONDS while this tab shows the page; the reads run
        outside the state lock."""
        async with self:
            route = self.router.route_id
            tab = clients.Presence(self.router.session.client_token, every=0)
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            if tab.gone():
                return
            async with self:
                if self.router.route_id != route:
                    return
                ctx, _ = await self._staff()  # signed out or lost the permission: stop
            if ctx is None:
                return
            fetched = await _fetch(ctx)
            async with self:
                if self.router.route_id != route:
                    return
                self._apply(fetched)


_Fetched = tuple[
    queue_status.QueueStatus | None, list[queue_status.ThroughputPoint] | None, str, float
]


async def _fetch(ctx: StaffContext) -> _Fetched:
    status, error = await call(queue_status.snapshot, ctx, unexpected=REDIS_DOWN)
    points, chart_error = await call(queue_status.throughput, ctx)
    return status, points, error or chart_error, time.time()
