"""Who may do what: the one permission matrix asked by pages, handlers, API routes and CLI."""

from __future__ import annotations

from v4a_portal.models import Role, User
from v4a_portal.services.errors import Forbidden

# Each permission lists the roles that hold it. Customers hold none of these: what they
# may do with their own rows is checked by ownership in the services.
_STAFF = frozenset({Role.support, Role.analyst, Role.admin})
_SUPPORT = frozenset({Role.support, Role.admin})
_ADMIN = frozenset({Role.admin})

MATRIX: dict[str, frozenset[Role]] = {
    # Reading: every staff role.
    "console.view": _STAFF,
    "users.view": _STAFF,
    "clips.view": _STAFF,
    # Money, the queues, clip and sign-out actions: support (credits within limits) and
    # admin. Analysts read users and clips only: no balances, no ledger.
    "credits.view": _SUPPORT,
    "queues.view": _SUPPORT,
    "credits.adjust": _SUPPORT,
    "videos.refund": _SUPPORT,
    # Refunding a Stripe payment; its credits come back by the charge.refunded webhook.
    "payments.refund": _SUPPORT,
    "videos.retry": _SUPPORT,
    "videos.cancel": _SUPPORT,
    "videos.bulk_retry": _SUPPORT,
    "users.signout": _SUPPORT,
    # Account actions and the whole audit log: admin only.
    "users.disable": _ADMIN,
    "users.set_role": _ADMIN,
    "audit.view": _ADMIN,
    # Support reads the audit rows of its own actions and of the users it opens.
    "audit.view_own": _SUPPORT,
    "analytics.view": frozenset({Role.analyst, Role.admin}),
    "analytics.import": frozenset({Role.analyst, Role.admin}),
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
