"""Console → Analytics → Lineage: photos → scripts → clips, and one customer's or photo's
tree."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import reflex as rx

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import permissions
from v4a_portal.services.analytics import charts, lineage, reports
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.errors import DomainError
from v4a_portal.state import service_call
from v4a_portal.state.analytics_page import PERMISSION, AnalyticsPage
from v4a_portal.state.auth import AuthState


@dataclass(frozen=True)
class TreeRow:
    """One line of the drill-down tree, indented by `depth`."""

    depth: int
    kind: str  # photo, script, clip
    label: str
    detail: str
    status: str


def _flatten(tree: dict[str, Any]) -> list[TreeRow]:
    rows: list[TreeRow] = []

    def script(node: dict[str, Any], depth: int, regeneration: bool) -> None:
        what = "Regeneration" if regeneration else "Script"
        detail = " · ".join(v for v in (node["tone"], node["writer"], node["product"]) if v)
        rows.append(TreeRow(depth, "script", f"{what} #{node['script_id']}", detail, ""))
        for clip in node["clips"]:
            detail = f"{clip['model']} · {clip['duration']} s · {clip['credits']} credits"
            if clip["error_code"]:
                detail += f" · {clip['error_code']}"
            rows.append(
                TreeRow(depth + 1, "clip", f"Clip #{clip['clip_id']}", detail, clip["status"])
            )
        for child in node["regenerations"]:
            script(child, depth + 1, True)

    for photo in tree["photos"]:
        label = f"Photo #{photo['photo_id']}"
        rows.append(TreeRow(0, "photo", label, photo["filename"] or photo["uploaded_at"][:10], ""))
        for node in photo["scripts"]:
            script(node, 1, False)
    return rows


class AnalyticsLineageState(AnalyticsPage, AuthState):
    sankey: go.Figure = charts.sankey([])
    photos: int = 0
    drill: str = ""
    tree: list[TreeRow] = []  # noqa: RUF012
    tree_title: str = ""
    tree_error: str = ""

    def _page_name(self) -> str:
        return "lineage"

    def _read_options(self, params: Any) -> None:
        self.drill = str(params.get("drill", "") or "")

    def _extra_query(self) -> dict[str, str]:
        return {"drill": self.drill} if self.drill else {}

    def _fetch(self, user: User, f: Filters) -> dict[str, Any]:
        with session_scope() as session:
            report = reports.run(session, user, "lineage", f)
        report["tree"] = None
        if self.drill:
            try:
                report["tree"] = _tree(user, self.drill)
            except DomainError as error:  # shown beside the tree; the flows still show
                report["tree_error"] = error.message
        return report

    def _present(self, report: dict[str, Any]) -> None:
        self.sankey = charts.sankey(report["links"])
        self.photos = int(report["photos"])
        self.empty = not report["links"]
        self._set_rows("flows", report["links"], ["source", "target", "value"], sort="value")
        tree = report.get("tree")
        self.tree_error = str(report.get("tree_error", ""))
        self.tree = _flatten(tree) if tree else []
        if tree:
            who = tree["customer"]["email"] if tree["customer"] else ""
            shown = len(tree["photos"])
            self.tree_title = f"{who}: {shown} of {tree['photos_total']} photos, newest first"
        else:
            self.tree_title = ""

    @rx.event
    async def set_drill(self, value: str) -> None:
        self.drill = value.strip()[:320]

    @rx.event
    async def drill_down(self):
        self.loading = True
        yield
        yield await self._reload()
        yield rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")


def _tree(user: User, drill: str) -> dict[str, Any]:
    """A photo by its number, else a customer by email or number."""
    permissions.require(user, PERMISSION)
    with session_scope() as session:
        text = drill.lstrip("#")
        if drill.startswith("#") or drill.lower().startswith("photo"):
            number = service_call.row_id(text.lower().removeprefix("photo").strip(" #"))
            return lineage.tree(session, photo_id=number or -1)
        if "@" in drill:
            return lineage.tree(session, email=drill)
        return lineage.tree(session, user_id=service_call.row_id(text) or -1)
