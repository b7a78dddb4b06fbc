"""The audit log: every staff action, with who, what, target, before/after, reason, and the
client's IP and user agent. Rows are only ever added, in the transaction of the change they
record; nothing updates or deletes them (reads: services/console/audit_log.py)."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from v4a_portal.models import AuditLog, User


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | str | None,
    target_user_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction, so it lands with the change."""
    if target_user_id is None and target_type == "user" and target_id is not None:
        target_user_id = int(target_id)
    row = AuditLog(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id)[:60],
        target_user_id=target_user_id,
        before=json.dumps(before, default=str) if before is not None else None,
        after=json.dumps(after, default=str) if after is not None else None,
        reason=reason[:500] if reason else reason,
        ip=ip[:64] if ip else None,
        user_agent=user_agent[:500] if user_agent else None,
    )
    session.add(row)
    return row
