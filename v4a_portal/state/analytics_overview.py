"""Console → Analytics → Overview: headline figures against the previous window, daily."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services.analytics import charts, numbers, reports
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.state.analytics_page import AnalyticsPage
from v4a_portal.state.auth import AuthState

LABELS = {
    "uploads": "Uploads",
    "scripts": "Scripts",
    "clips_requested": "Clips requested",
    "clips_completed": "Clips completed",
    "clips_failed": "Clips failed",
    "clips_canceled": "Clips canceled",
    "completion_rate": "Completion rate",
    "p50_seconds_to_clip": "Median time to clip",
    "p90_seconds_to_clip": "p90 time to clip",
    "active_customers": "Active customers",
    "credits_granted": "Credits granted",
    "credits_spent": "Credits spent",
    "credits_refunded": "Credits refunded",
    "credits_sold": "Credits sold",
}
# A rise is good news for these and bad news for the others (times, failures, refunds).
_RISE_IS_GOOD = {
    "uploads", "scripts", "clips_requested", "clips_completed", "completion_rate",
    "active_customers", "credits_spent", "credits_sold",
}  # fmt: skip


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    change: str
    tone: str  # green, red or gray


def _figure(row: dict[str, Any]) -> Figure:
    name, change = row["figure"], row["change"]
    tone = "gray"
    if change:
        tone = "green" if (change > 0) == (name in _RISE_IS_GOOD) else "red"
    return Figure(
        key=name,
        label=LABELS[name],
        value=numbers.show(name, row["value"]),
        change=numbers.change(change) if change is not None else "",
        tone=tone,
    )


class AnalyticsOverviewState(AnalyticsPage, AuthState):
    figures: list[Figure] = []  # noqa: RUF012
    daily_chart: go.Figure = charts.daily([])

    def _page_name(self) -> str:
        return "overview"

    def _fetch(self, user: User, f: Filters) -> dict[str, Any]:
        with session_scope() as session:
            return reports.run(session, user, "overview", f)

    def _present(self, report: dict[str, Any]) -> None:
        self.figures = [_figure(r) for r in report["figures"]]
        self.daily_chart = charts.daily(report["daily"])
        self.empty = not any(
            r["value"] for r in report["figures"] if r["figure"].startswith(("uploads", "clips"))
        )
        self._set_rows(
            "daily",
            list(reversed(report["daily"])),
            list(report["daily"][0]) if report["daily"] else [],
        )
