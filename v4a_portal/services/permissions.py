"""Who may do what: the one permission matrix asked by pages, handlers, API routes and CLI."""

from __future__ import annotations

from v4a_portal.models import Role, User
from v4a_portal.services.errors import Forbidden

# Each permission lists the roles that hold it. Customers hold none of these: what they
# may do with their own rows is checked by ownership in the services.
MATRIX: dict[str, frozenset[Role]] = {
    "console.view": frozenset({Role.support, Role.analyst, Role.admin}),
    "users.view": frozenset({Role.support, Role.analyst, Role.admin}),
    "credits.view": frozenset({Role.support, Role.analyst, Role.admin}),
    "credits.adjust": frozenset({Role.support, Role.admin}),
    "videos.refund": frozenset({Role.support, Role.admin}),
    "videos.retry": frozenset({Role.support, Role.admin}),
    "analytics.view": frozenset({Role.analyst, Role.admin}),
    "analytics.import": frozenset({Role.analyst, Role.admin}),
    "audit.view": frozenset({Role.admin}),
    "users.set_role": frozenset({Role.admin}),
    "users.disable": frozenset({Role.admin}),
}


def can(user: User | None, permission: str) -> bool:
    if user is None or user.disabled:
        return False
    if permission not in MATRIX:
        raise KeyError(f"unknown permission {permission!r}")
    return Role(user.role) in MATRIX[permission]


def require(user: User | None, permission: str) -> User:
    if not can(user, permission):
        raise Forbidden("You do not have access to this.")
    assert user is not None
    return user


def granted(role: Role | str) -> list[str]:
    """The permissions a role holds, for the UI's navigation and the docs."""
    return sorted(p for p, roles in MATRIX.items() if Role(role) in roles)
