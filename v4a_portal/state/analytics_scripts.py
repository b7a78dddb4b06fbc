"""Console → Analytics → Scripts: effectiveness by a script attribute or the model, ad
results, and the ad-results import."""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import permissions
from v4a_portal.services.analytics import ad_results, charts, effectiveness, reports
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.errors import InvalidInput, TooLarge
from v4a_portal.state import messages, service_call
from v4a_portal.state.analytics_page import AnalyticsPage
from v4a_portal.state.auth import AuthState

MAX_IMPORT_BYTES = 10 * 1024 * 1024
GROUP_COLUMNS = [
    "scripts", "clips", "clips_completed", "completion_rate", "adoption", "download_adoption",
    "regenerations_before_first_clip", "p50_seconds_to_first_clip", "credits_per_finished_clip",
]  # fmt: skip
AD_COLUMNS = [
    "ad_clips", "impressions", "clicks", "conversions", "spend", "ctr", "conversion_rate",
    "cost_per_conversion",
]  # fmt: skip
SCRIPT_COLUMNS = [
    "script_id", "product", "writer", "tone", "audience", "target_duration", "regeneration_of",
    "clips", "clips_completed", "clips_failed", "downloaded",
]  # fmt: skip
GROUP_LABELS = {
    "tone": "Tone",
    "writer": "Writer",
    "audience": "Audience",
    "target_duration": "Target duration",
    "model": "Model",
}


def _import(user: User, text: str) -> dict[str, Any]:
    with session_scope() as session:
        return ad_results.import_csv(session, user, text).as_dict()


class AnalyticsScriptsState(AnalyticsPage, AuthState):
    by: str = "tone"
    adoption_chart: go.Figure = charts.grouped_rates([], "tone", {})
    ctr_chart: go.Figure = charts.ctr([], "tone")
    thin_groups: list[str] = []  # noqa: RUF012
    min_clips: int = 10
    can_import: bool = False
    importing: bool = False
    import_summary: str = ""
    import_refused: list[str] = []  # noqa: RUF012
    import_error: str = ""

    def _page_name(self) -> str:
        return "scripts"

    def _read_options(self, params: Any) -> None:
        by = str(params.get("by", "") or "")
        self.by = by if by in effectiveness.GROUPINGS else "tone"

    def _extra_query(self) -> dict[str, str]:
        return {"by": self.by} if self.by != "tone" else {}

    def _fetch(self, user: User, f: Filters) -> dict[str, Any]:
        with session_scope() as session:
            report = reports.run(session, user, "scripts", f, by=self.by)
        report["can_import"] = permissions.can(user, "analytics.import")
        return report

    def _present(self, report: dict[str, Any]) -> None:
        by, groups = report["by"], report["groups"]
        self.can_import = bool(report["can_import"])
        self.min_clips = int(report["min_clips"])
        self.adoption_chart = charts.grouped_rates(
            groups,
            by,
            {
                "completion_rate": "Completion rate",
                "adoption": "Led to a finished clip",
                "download_adoption": "Led to a downloaded clip",
            },
        )
        self.ctr_chart = charts.ctr(groups, by)
        self.thin_groups = [str(g[by]) for g in groups if g["too_few_clips"]]
        self.empty = not groups
        self._set_rows("groups", groups, [by, *GROUP_COLUMNS])
        self._set_rows("ads", [g for g in groups if g["ad_clips"]], [by, *AD_COLUMNS])
        self._set_rows("failures", report["failures"], [by, "error_code", "clips"], sort="clips")
        self._set_rows("scripts", report["scripts"], SCRIPT_COLUMNS)

    @rx.event
    async def group_by(self, value: str):
        if value not in effectiveness.GROUPINGS:
            return
        self.by = value
        self.loading = True
        yield
        yield await self._reload()
        yield rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")

    @rx.event(background=True)
    async def import_file(self, chunks: rx.UploadChunkIterator):
        """Read the CSV (never stored under the public /_upload) and import its rows."""
        async with self:
            user = await self._signed_in()
            if (bounce := self._bounce(user, "analytics.import")) is not None:
                return bounce
            self.importing, self.import_error = True, ""
            self.import_summary, self.import_refused = "", []
        body, error = bytearray(), ""
        try:
            async for chunk in chunks:
                body += chunk.data
                if len(body) > MAX_IMPORT_BYTES:
                    raise TooLarge("The file is larger than 10 MB.")
        except TooLarge as refused:
            error = refused.message
        except Exception:  # the request broke off
            error = messages.UPLOAD_INTERRUPTED
        report = None
        if not error and not body:
            error = "Choose a CSV file first."
        elif not error:
            try:
                text = bytes(body).decode("utf-8")
            except UnicodeDecodeError:
                error = InvalidInput("The file is not UTF-8 text.").message
            else:
                assert user is not None
                report, error = await service_call.call(_import, user, text)
        async with self:
            self.importing = False
            self.import_error = error
            if report is not None:
                self.import_summary = (
                    f"{report['inserted']} rows added, {report['updated']} updated, "
                    f"{report['unchanged']} unchanged, {len(report['refused'])} refused."
                )
                self.import_refused = [
                    f"Row {r['row']}: {'; '.join(r['errors'])}" for r in report["refused"][:200]
                ]
        if report is not None and (report["inserted"] or report["updated"]):
            return AnalyticsScriptsState.refresh
        return None

    @rx.event
    async def refresh(self):
        self.loading = True
        yield
        yield await self._reload()
