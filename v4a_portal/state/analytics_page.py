"""What every analytics page state shares: the filter bar (read from and written to the
URL), the permission check on every event, loading and empty states, and the tables.

A page state mixes this in with AuthState and implements `_fetch` (runs in a thread:
services only) and `_present` (puts the report into the page's vars).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from reflex.event import EventSpec

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services.analytics import options
from v4a_portal.services.analytics.export import to_csv
from v4a_portal.services.analytics.filters import PRESETS, Filters
from v4a_portal.services.errors import InvalidInput
from v4a_portal.settings import get_settings
from v4a_portal.state import service_call
from v4a_portal.state.analytics_tables import TableView, view

PERMISSION = "analytics.view"
FILTERS = (
    "window",
    "start",
    "end",
    "model",
    "provider",
    "writer",
    "tone",
    "audience",
    "subscriber",
)
# Radix selects cannot hold an empty value: this one stands for "no filter".
ANY = "any"


class AnalyticsPage(rx.State, mixin=True):
    window: str = "30d"
    start: str = ""
    end: str = ""
    model: str = ANY
    provider: str = ANY
    writer: str = ANY
    tone: str = ANY
    audience: str = ANY
    subscriber: str = ANY
    choices: dict[str, list[str]] = {}  # noqa: RUF012 (a Reflex var default, copied per client)
    # False until the server has checked this user may see analytics.
    allowed: bool = False
    loading: bool = True
    empty: bool = False
    error: str = ""
    # When the figures were computed, and whether live or by the last refresh.
    freshness: str = ""
    # `?...` that gives these filters to the other pages' tabs (empty for the defaults).
    filter_query: str = ""
    tables: dict[str, TableView] = {}  # noqa: RUF012
    _rows: dict[str, list[dict[str, Any]]] = {}  # noqa: RUF012

    @rx.event
    async def load(self) -> EventSpec | None:
        params = self.router.url.query_parameters
        for name in FILTERS:
            value = str(params.get(name, "") or "")
            setattr(self, name, value or (ANY if name not in ("window", "start", "end") else ""))
        self._read_options(params)
        return await self._reload()

    def _read_options(self, params: Any) -> None:
        """Page-specific URL parameters (a grouping, a drill-down)."""

    @rx.event
    async def set_filter(self, name: str, value: str):
        if name not in FILTERS:
            return
        setattr(self, name, value[:200])
        if name == "window" and value == "custom" and not (self.start and self.end):
            f = self._filters_or_default()
            self.start, self.end = f.start.isoformat(), f.end.isoformat()
        self.loading = True
        yield
        yield await self._reload()
        yield rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")

    @rx.event
    async def clear_filters(self):
        for name in FILTERS:
            setattr(self, name, ANY if name not in ("window", "start", "end") else "")
        self.window = "30d"
        self.loading = True
        yield
        yield await self._reload()
        yield rx.call_script(f"window.history.replaceState(null, '', {json.dumps(self._url())})")

    @rx.event
    async def sort_table(self, name: str, key: str) -> None:
        table = self.tables.get(name)
        if table is None or key not in table.columns:
            return
        descending = not table.descending if key == table.sort else True
        self._table(name, table.columns, sort=key, descending=descending)

    @rx.event
    async def page_table(self, name: str, step: int) -> None:
        table = self.tables.get(name)
        if table is not None:
            self._table(name, table.columns, sort=table.sort, descending=table.descending,
                        page=table.page + step)  # fmt: skip

    @rx.event
    async def export_table(self, name: str) -> EventSpec | None:
        user = await self._signed_in()  # type: ignore[attr-defined]
        if self._bounce(user, PERMISSION) is not None:  # type: ignore[attr-defined]
            return None
        table = self.tables.get(name)
        rows = self._rows.get(name, [])
        keys = table.columns if table else []
        data = to_csv([{k: r.get(k) for k in keys} for r in rows])
        return rx.download(data=data, filename=f"analytics-{self._page_name()}-{name}.csv")

    # -- for the page states ------------------------------------------------------------

    def _page_name(self) -> str:
        return "report"

    def _fetch(self, user: User, f: Filters) -> dict[str, Any]:
        raise NotImplementedError

    def _present(self, report: dict[str, Any]) -> None:
        raise NotImplementedError

    def _extra_query(self) -> dict[str, str]:
        return {}

    def _table(self, name: str, keys: list[str], **how: Any) -> None:
        rows = self._rows.get(name, [])
        self.tables = {**self.tables, name: view(rows, keys, **how)}

    def _set_rows(
        self, name: str, rows: list[dict[str, Any]], keys: list[str], sort: str = ""
    ) -> None:
        self._rows = {**self._rows, name: rows}
        self._table(name, keys, sort=sort)

    # -- internals -------------------------------------------------------------------------

    def _query(self) -> dict[str, str]:
        raw = {name: getattr(self, name) for name in FILTERS}
        return {k: v for k, v in raw.items() if v and v != ANY}

    def _filters_or_default(self) -> Filters:
        try:
            return Filters.from_query(self._query())
        except InvalidInput:
            return Filters.from_query({})

    def _url(self) -> str:
        try:
            query = Filters.from_query(self._query()).to_query()
        except InvalidInput:
            query = self._query()
        query |= self._extra_query()
        path = self.router.url.path
        return f"{path}?{urlencode(query)}" if query else path

    async def _reload(self) -> EventSpec | None:
        user = await self._signed_in()  # type: ignore[attr-defined]
        if (bounce := self._bounce(user, PERMISSION)) is not None:  # type: ignore[attr-defined]
            self.allowed, self.loading = False, False
            self.tables, self._rows = {}, {}
            return bounce
        self.allowed = True
        try:
            f = Filters.from_query(self._query())
        except InvalidInput as error:
            self.error, self.loading = error.message, False
            return None
        if self.window in PRESETS or not self.window:
            self.start, self.end = f.start.isoformat(), f.end.isoformat()
        query = f.to_query()
        self.filter_query = f"?{urlencode(query)}" if query else ""
        result, problem = await service_call.call(self._load_all, user, f)
        self.loading = False
        self.error = problem
        if result is not None:
            report, self.choices = result
            self.freshness = _freshness(report)
            self._present(report)
        return None

    def _load_all(self, user: User, f: Filters) -> tuple[dict[str, Any], dict[str, list[str]]]:
        with session_scope() as session:
            choices = options.choices(session, f)
        return self._fetch(user, f), choices


def _freshness(report: dict[str, Any]) -> str:
    at = str(report.get("computed_at") or "")[:16].replace("T", " ")
    if report.get("source") == "snapshot":
        every = get_settings().analytics_refresh_minutes
        return f"Precomputed at {at} UTC · refreshed every {every} min"
    return f"Live figures as of {at} UTC"
