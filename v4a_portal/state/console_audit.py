"""`/console/audit`: staff actions newest first, filtered, in keyset pages (older / newer),
with the CSV export of the same filters. Admins read all of it (audit.view); support the
rows of its own actions and of the users it opened (audit.view_own, decided by the
service)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec

from v4a_portal import routes
from v4a_portal.models import utcnow
from v4a_portal.services import permissions
from v4a_portal.services.console import audit_log
from v4a_portal.services.console.context import StaffContext
from v4a_portal.state import formatting
from v4a_portal.state.console_base import ConsoleState
from v4a_portal.state.service_call import call, row_id

ANY = "any"
PER_PAGE = 25
WINDOWS = {"24h": ("Last 24 h", 24), "7d": ("Last 7 days", 168), "30d": ("Last 30 days", 720)}
ACTION_LABELS = {
    "credits.adjust": "Credit adjustment",
    "videos.refund": "Clip refund",
    "videos.retry": "Clip retry",
    "videos.bulk_retry": "Bulk retry",
    "videos.cancel": "Clip cancel",
    "users.disable": "Account disabled",
    "users.enable": "Account enabled",
    "users.signout": "Signed out everywhere",
    "users.set_role": "Role change",
}


@dataclass(frozen=True)
class AuditItem:
    id: int
    when: str
    actor: str
    actor_url: str
    action: str
    action_label: str
    target: str
    target_url: str
    change: str  # "role: customer → support"
    reason: str
    origin: str  # "IP · user agent"


def _compact(values: dict[str, Any] | None) -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in (values or {}).items()}


def change_text(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """'credits: 120 → 170; delta: 50' over the keys either side names (a value only one
    side has, or the same on both, is shown once)."""
    old, new = _compact(before), _compact(after)
    parts = []
    for key in dict.fromkeys([*old, *new]):
        if key in old and key in new and old[key] != new[key]:
            parts.append(f"{key}: {old[key]} → {new[key]}")
        else:
            parts.append(f"{key}: {new.get(key, old.get(key))}")
    return "; ".join(parts)


def _item(row: audit_log.AuditRow) -> AuditItem:
    target = row.target_email or (f"{row.target_type} #{row.target_id}" if row.target_id else "")
    if row.target_type == "video" and row.target_id:
        target = f"clip #{row.target_id}" + (f" of {row.target_email}" if row.target_email else "")
    return AuditItem(
        id=row.id,
        when=formatting.timestamp(row.created_at),
        actor=row.actor_email or "command line",
        actor_url=routes.console_user(row.actor_id) if row.actor_id else "",
        action=row.action,
        action_label=ACTION_LABELS.get(row.action, row.action),
        target=target,
        target_url=routes.console_user(row.target_user_id) if row.target_user_id else "",
        change=change_text(row.before, row.after),
        reason=row.reason or "",
        origin=" · ".join(p for p in (row.ip or "", row.user_agent or "") if p),
    )


class ConsoleAuditState(ConsoleState):
    # Either audit permission opens the page; the service decides which rows.
    permission: ClassVar[str] = "audit.view_own"

    actor: rx.Field[str] = rx.field("")
    action: rx.Field[str] = rx.field(ANY)
    target: rx.Field[str] = rx.field("")
    window: rx.Field[str] = rx.field(ANY)
    entries: rx.Field[list[AuditItem]] = rx.field(default_factory=list)
    loading: rx.Field[bool] = rx.field(True)
    page_number: rx.Field[int] = rx.field(1)
    has_older: rx.Field[bool] = rx.field(False)
    sees_all: rx.Field[bool] = rx.field(False)
    _cursors: list[int] = []  # noqa: RUF012 (before_id of each page after the first)
    _next: int | None = None

    @rx.var
    def filtered(self) -> bool:
        return bool(self.actor or self.target) or self.action != ANY or self.window != ANY

    @rx.var
    def csv_url(self) -> str:
        hours = WINDOWS.get(self.window, ("", 0))[1]
        since = (utcnow() - timedelta(hours=hours)).isoformat() if hours else None
        return routes.audit_csv(
            actor_id=row_id(self.actor) or None,
            action=None if self.action == ANY else self.action,
            target_user_id=row_id(self.target) or None,
            since=since,
        )

    async def _staff(self) -> tuple[StaffContext | None, EventSpec | None]:
        # Admins hold audit.view rather than audit.view_own: either opens the page.
        user = await self._signed_in()
        if permissions.can(user, "audit.view") and user is not None:
            self.allowed, self.sees_all = True, True
            return self._context(user), None
        self.sees_all = False
        return await super()._staff()

    @rx.event
    async def load(self) -> EventSpec | None:
        query = self.router.url.query_parameters
        self.actor = query.get("actor", "")
        self.target = query.get("target", "")
        action = query.get("action", ANY)
        self.action = action if action in ACTION_LABELS else ANY
        self.window = ANY
        self._cursors, self.page_number = [], 1
        return await self._reload()

    def _filters(self) -> audit_log.AuditFilters:
        hours = WINDOWS.get(self.window, ("", 0))[1]
        return audit_log.AuditFilters(
            actor_id=row_id(self.actor) or None,
            action=None if self.action == ANY else self.action,
            target_user_id=row_id(self.target) or None,
            since=utcnow() - timedelta(hours=hours) if hours else None,
        )

    async def _reload(self) -> EventSpec | None:
        ctx, bounce = await self._staff()
        if ctx is None:
            self.entries, self.loading = [], False
            return bounce
        before = self._cursors[-1] if self._cursors else None
        found, self.load_error = await call(_page, ctx, self._filters(), before)
        if found is not None:
            self.entries = [_item(r) for r in found.rows]
            self._next = found.next_before_id
            self.has_older = found.next_before_id is not None
        self.loading = False
        return None

    async def _refilter(self):
        self._cursors, self.page_number, self.loading = [], 1, True
        yield
        yield await self._reload()

    @rx.event
    async def set_filter(self, name: str, value: str):
        if name in ("action", "window"):
            setattr(self, name, value or ANY)
        elif name in ("actor", "target"):
            setattr(self, name, value.strip()[:20])
        async for update in self._refilter():
            yield update

    @rx.event
    async def clear_filters(self):
        self.actor = self.target = ""
        self.action = self.window = ANY
        async for update in self._refilter():
            yield update

    @rx.event
    async def older(self):
        if self._next is None:
            return
        self._cursors = [*self._cursors, self._next]
        self.page_number += 1
        self.loading = True
        yield
        yield await self._reload()

    @rx.event
    async def newer(self):
        if not self._cursors:
            return
        self._cursors = self._cursors[:-1]
        self.page_number -= 1
        self.loading = True
        yield
        yield await self._reload()


def _page(
    ctx: StaffContext, filters: audit_log.AuditFilters, before_id: int | None
) -> audit_log.AuditPage:
    return audit_log.page(ctx, filters, before_id=before_id, limit=PER_PAGE)
