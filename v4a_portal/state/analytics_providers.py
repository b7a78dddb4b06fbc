"""Console → Analytics → Providers: reliability, speed and cost per provider and model."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services.analytics import charts, reports
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.state.analytics_page import AnalyticsPage
from v4a_portal.state.auth import AuthState

COLUMNS = [
    "provider", "model", "clips", "completed", "failed", "canceled", "success_rate",
    "p50_seconds", "p90_seconds", "attempts_per_clip", "refunds", "credits_per_finished_second",
]  # fmt: skip


class AnalyticsProvidersState(AnalyticsPage, AuthState):
    success_chart: go.Figure = charts.success([])
    latency_chart: go.Figure = charts.latency([])

    def _page_name(self) -> str:
        return "providers"

    def _fetch(self, user: User, f: Filters) -> dict[str, Any]:
        with session_scope() as session:
            return reports.run(session, user, "providers", f)

    def _present(self, report: dict[str, Any]) -> None:
        rows = report["providers"]
        self.success_chart = charts.success(rows)
        self.latency_chart = charts.latency(rows)
        self.empty = not rows
        self._set_rows("providers", rows, COLUMNS, sort="clips")
        self._set_rows(
            "failures",
            report["failures"],
            ["provider", "model", "error_code", "clips"],
            sort="clips",
        )
