"""`/console/queues`: RQ queues, workers, failed jobs, throughput; live while open."""

import reflex as rx
from reflex.vars import ObjectVar

from v4a_portal import routes
from v4a_portal.components.console_frame import console_page, error_callout, loading_card
from v4a_portal.components.empty_state import empty_state
from v4a_portal.components.template import template
from v4a_portal.state.console_base import handler
from v4a_portal.state.console_queues import ConsoleQueuesState as S
from v4a_portal.state.console_queues import FailedItem, QueueItem, WorkerItem

_COUNTS = [
    ("queued", "Queued", "gray"),
    ("started", "Started", "indigo"),
    ("scheduled", "Scheduled", "cyan"),
    ("deferred", "Deferred", "amber"),
    ("failed", "Failed", "red"),
    ("finished", "Finished", "green"),
]


def _queue(row: ObjectVar[QueueItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.icon("layers", size=16), rx.text(row.name, weight="bold"), align="center"),
            rx.grid(
                *[
                    rx.vstack(
                        rx.text(label, size="1", color_scheme="gray"),
                        rx.text(getattr(row, field), size="4", weight="bold", color_scheme=color),
                        spacing="0",
                        custom_attrs={"data-count": field},
                    )
                    for field, label, color in _COUNTS
                ],
                columns="3",
                spacing="3",
                width="100%",
            ),
            spacing="3",
        ),
        id=f"queue-{row.name}",
        width="100%",
    )


def _worker(row: ObjectVar[WorkerItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.hstack(
                    rx.icon("cpu", size=16),
                    rx.text(row.name, weight="bold", size="2", word_break="break-all"),
                    rx.badge(row.state, color_scheme=rx.cond(row.busy, "indigo", "gray")),
                    align="center",
                    wrap="wrap",
                ),
                rx.spacer(),
                rx.text("♥ ", row.heartbeat, size="1", color_scheme="gray"),
                wrap="wrap",
                gap="8px",
                width="100%",
            ),
            rx.text(
                row.host,
                " · pid ",
                row.pid,
                " · queues ",
                row.queues,
                size="1",
                color_scheme="gray",
            ),
            rx.cond(
                row.job != "",
                rx.hstack(
                    rx.text("Running", size="2"),
                    rx.code(row.job, size="1"),
                    rx.cond(
                        row.clip_id != 0,
                        rx.link("clip #", row.clip_id, href=row.clip_url, size="2"),
                    ),
                    align="center",
                    wrap="wrap",
                    class_name="worker-job",
                ),
                rx.cond(
                    row.in_flight == 0,
                    rx.text("Idle", size="2", color_scheme="gray"),
                ),
            ),
            rx.cond(
                row.in_flight != 0,
                rx.hstack(
                    rx.text(row.in_flight, " in flight", size="2"),
                    rx.foreach(
                        row.carrying,
                        lambda clip: rx.link("clip #", clip.id, href=clip.url, size="2"),
                    ),
                    align="center",
                    wrap="wrap",
                    class_name="worker-job",
                ),
            ),
            rx.text(
                row.successful,
                " succeeded · ",
                row.failed,
                " failed",
                size="1",
                color_scheme="gray",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="worker",
    )


def _failed(row: ObjectVar[FailedItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.hstack(
                    rx.badge(row.queue, variant="soft"),
                    rx.code(row.id, size="1"),
                    rx.cond(
                        row.clip_id != 0,
                        rx.link("clip #", row.clip_id, href=row.clip_url, size="2"),
                    ),
                    align="center",
                    wrap="wrap",
                ),
                rx.spacer(),
                rx.text(row.when, size="1", color_scheme="gray"),
                wrap="wrap",
                gap="8px",
                width="100%",
            ),
            rx.text(row.exception, size="2", color_scheme="red", word_break="break-word"),
            rx.el.details(
                rx.el.summary("Traceback", style={"cursor": "pointer", "font-size": "13px"}),
                rx.code_block(
                    row.traceback,
                    language="python",
                    wrap_long_lines=True,
                    font_size="12px",
                    max_height="320px",
                    overflow="auto",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="failed-job",
    )


def _section(title: str, icon: str, body: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon(icon, size=18), rx.heading(title, size="4"), align="center"),
        body,
        spacing="3",
        width="100%",
    )


def _content() -> rx.Component:
    return rx.vstack(
        _section(
            "Queues",
            "layers",
            rx.grid(
                rx.foreach(S.queues, _queue),
                columns=rx.breakpoints(initial="1", sm="2", md="3"),
                spacing="3",
                width="100%",
                id="queues",
            ),
        ),
        _section(
            "Workers",
            "cpu",
            rx.cond(
                S.workers.length() > 0,
                rx.grid(
                    rx.foreach(S.workers, _worker),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="3",
                    width="100%",
                    id="workers",
                ),
                rx.card(
                    empty_state(
                        "cpu",
                        "No worker is running",
                        "Clips wait in the queue until one starts (python -m jobs.worker).",
                    ),
                    width="100%",
                    id="workers-empty",
                ),
            ),
        ),
        _section(
            "Throughput, last 24 h",
            "chart-column",
            rx.card(
                rx.cond(
                    S.has_throughput,
                    rx.box(
                        rx.plotly(data=S.chart, width="100%", height="280px"),
                        min_height="280px",
                        width="100%",
                        id="throughput-chart",
                    ),
                    empty_state(
                        "chart-column",
                        "No clips finished in the last 24 h",
                        "Completed and failed clips per 10 minutes appear here, by provider.",
                    ),
                ),
                width="100%",
            ),
        ),
        _section(
            "Failed RQ jobs",
            "triangle-alert",
            rx.cond(
                S.failed_jobs.length() > 0,
                rx.vstack(
                    rx.foreach(S.failed_jobs, _failed), spacing="2", width="100%", id="failed-jobs"
                ),
                rx.card(
                    empty_state(
                        "circle-check", "No failed jobs", "RQ's failed registries are empty."
                    ),
                    width="100%",
                ),
            ),
        ),
        spacing="6",
        width="100%",
    )


@template(
    routes.CONSOLE_QUEUES, "Queues · Console", permission=S.permission, on_load=handler(S.load)
)
def console_queues() -> rx.Component:
    return console_page(
        "Queues",
        "RQ's own registries and worker records, refreshed every few seconds while this page "
        "is open.",
        error_callout(S.load_error),
        rx.cond(S.allowed & ~S.loading, _content(), loading_card("360px")),
        actions=rx.cond(
            S.read_at != "",
            rx.hstack(
                rx.box(
                    width="8px",
                    height="8px",
                    border_radius="9999px",
                    background=rx.color("green", 9),
                ),
                rx.text(
                    "Live · read ", S.read_at, size="1", color_scheme="gray", id="queues-read-at"
                ),
                align="center",
            ),
        ),
    )
