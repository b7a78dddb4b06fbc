"""The audit log: every staff action, with who, what, target, before/after and reason."""

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
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditLog:
    """Add an audit row to the caller's transaction, so it lands with the change."""
    row = AuditLog(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=json.dumps(before, default=str) if before is not None else None,
        after=json.dumps(after, default=str) if after is not None else None,
        reason=reason,
    )
    session.add(row)
    return row
