"""Who is acting, from where: the first argument of every staff action, recorded in its
audit row."""

from __future__ import annotations

from dataclasses import dataclass

from v4a_portal.models import User


@dataclass(frozen=True)
class StaffContext:
    actor: User
    ip: str | None = None
    user_agent: str | None = None
