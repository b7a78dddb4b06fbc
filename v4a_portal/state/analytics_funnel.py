"""Console → Analytics → Funnel: weekly sign-up cohorts through to a downloaded clip."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services.analytics import charts, reports
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.funnel import STEPS
from v4a_portal.state.analytics_page import AnalyticsPage
from v4a_portal.state.auth import AuthState

STEP_LABELS = {
    "signed_up": "Signed up",
    "uploaded": "Uploaded a photo",
    "scripted": "Wrote a script",
    "requested": "Asked for a clip",
    "finished": "Got a finished clip",
    "downloaded": "Downloaded a clip",
}


class AnalyticsFunnelState(AnalyticsPage, AuthState):
    funnel_chart: go.Figure = charts.funnel_steps({}, STEP_LABELS)
    cohort_chart: go.Figure = charts.cohorts([])

    def _page_name(self) -> str:
        return "funnel"

    def _fetch(self, user: User, f: Filters) -> dict[str, Any]:
        with session_scope() as session:
            return reports.run(session, user, "funnel", f)

    def _present(self, report: dict[str, Any]) -> None:
        self.funnel_chart = charts.funnel_steps(report["totals"], STEP_LABELS)
        self.cohort_chart = charts.cohorts(report["cohorts"])
        self.empty = not report["cohorts"]
        self._set_rows("cohorts", report["cohorts"], ["cohort_week", *STEPS], sort="cohort_week")
