"""Staff actions on accounts: disable, enable, sign out everywhere, change a role.

A disabled user is refused at once everywhere, because every way in looks the user up on
each use: the cookie session (`web_sessions.user_for`), the access token
(`api_tokens.user_from_access`) and the refresh (`api_tokens.rotate`) all check `disabled`.
Disabling also ends their sessions and revokes their refresh tokens, so enabling the account
again does not bring back a session that was open (a stolen one, maybe). Their running
videos finish normally. The last enabled admin can be neither demoted nor disabled; an
admin may step down (change their own role) while another admin remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import RefreshToken, Role, User, WebSession, utcnow
from v4a_portal.services import accounts, audit, permissions
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.console.staff_credits import check_reason
from v4a_portal.services.errors import Conflict, Forbidden, InvalidInput


@dataclass(frozen=True)
class AccountChange:
    user_id: int
    email: str
    role: str
    disabled: bool
    sessions_ended: int = 0
    tokens_revoked: int = 0


def disable(ctx: StaffContext, user_id: int, reason: str) -> AccountChange:
    return _set_disabled(ctx, user_id, True, reason)


def enable(ctx: StaffContext, user_id: int, reason: str) -> AccountChange:
    return _set_disabled(ctx, user_id, False, reason)


def _set_disabled(ctx: StaffContext, user_id: int, disabled: bool, reason: str) -> AccountChange:
    actor = permissions.require(ctx.actor, "users.disable")
    reason = check_reason(reason)
    if disabled and user_id == actor.id:
        raise Forbidden("You cannot disable your own account.", code="own_account")
    with session_scope() as session:
        admins = _lock_admins(session)
        user = _locked(session, user_id)
        if user.disabled == disabled:
            state = "disabled" if disabled else "enabled"
            raise Conflict(f"This account is already {state}.", code="no_change")
        if disabled:
            _keep_an_admin(admins, user_id)
        user.disabled = disabled
        user.updated_at = utcnow()
        session.add(user)
        ended = revoked = 0
        if disabled:
            ended, revoked = _sign_out(session, user_id)
        after: dict[str, object] = {"disabled": disabled}
        if disabled:
            after.update(sessions_ended=ended, tokens_revoked=revoked)
        audit.record(
            session,
            actor=actor,
            action="users.disable" if disabled else "users.enable",
            target_type="user",
            target_id=user_id,
            before={"disabled": not disabled},
            after=after,
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
        )
        return AccountChange(user_id, user.email, user.role, disabled, ended, revoked)


def sign_out_everywhere(ctx: StaffContext, user_id: int, reason: str) -> AccountChange:
    """End every web session and revoke every refresh token of the user; the access tokens
    issued with those refresh families are refused at once too (their `fam` claim,
    services/auth/api_tokens.py)."""
    actor = permissions.require(ctx.actor, "users.signout")
    reason = check_reason(reason)
    with session_scope() as session:
        user = accounts.get(session, user_id)
        ended, revoked = _sign_out(session, user_id)
        audit.record(
            session,
            actor=actor,
            action="users.signout",
            target_type="user",
            target_id=user_id,
            before={"sessions": ended, "refresh_tokens": revoked},
            after={"sessions": 0, "refresh_tokens": 0},
            reason=reason,
            ip=ctx.ip,
            user_agent=ctx.user_agent,
        )
        return AccountChange(user_id, user.email, user.role, user.disabled, ended, revoked)


def set_role(
    ctx: StaffContext | None, user_id: int, role: Role | str, reason: str
) -> AccountChange:
    """Change a user's role. `ctx` None is the command line (`user set-role`), which runs
    with the database's own authority and is audited with no actor."""
    if ctx is not None:
        permissions.require(ctx.actor, "users.set_role")
    reason = check_reason(reason)
    try:
        new_role = Role(role)
    except ValueError as exc:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"Unknown role {role!r}; use one of {roles}.") from exc
    # An admin may step down (only admins hold `users.set_role`) while another enabled admin
    # remains; the last one is refused like any demotion of the last admin (`last_admin`).
    with session_scope() as session:
        return _change_role(session, ctx, user_id, new_role, reason)


def set_role_by_email(email: str, role: Role | str, reason: str) -> AccountChange:
    """The command line's `user set-role EMAIL ROLE`."""
    with session_scope() as session:
        user = accounts.by_email(session, email)
    assert user.id is not None
    return set_role(None, user.id, role, reason)


def _change_role(
    session: Session, ctx: StaffContext | None, user_id: int, role: Role, reason: str
) -> AccountChange:
    admins = _lock_admins(session)
    user = _locked(session, user_id)
    before = user.role
    if before == role.value:
        raise Conflict(f"This user is already {role.value}.", code="no_change")
    _keep_an_admin(admins, user_id)
    user.role = role.value
    user.updated_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=None if ctx is None else ctx.actor,
        action="users.set_role",
        target_type="user",
        target_id=user_id,
        before={"role": before},
        after={"role": role.value},
        reason=reason,
        ip=None if ctx is None else ctx.ip,
        user_agent=None if ctx is None else ctx.user_agent,
    )
    session.flush()
    return AccountChange(user_id, user.email, user.role, user.disabled)


def _locked(session: Session, user_id: int) -> User:
    user = session.execute(
        select(User).where(col(User.id) == user_id).with_for_update()
    ).scalar_one_or_none()
    if user is None:
        accounts.get(session, user_id)  # raises NotFound
    assert user is not None
    return user


def _lock_admins(session: Session) -> list[int]:
    """The enabled admins' ids, their rows locked (in id order, before any other row, so
    two admins changing each other at once wait instead of deadlocking)."""
    return list(
        session.execute(
            select(col(User.id))
            .where(col(User.role) == Role.admin.value, col(User.disabled).is_(False))
            .order_by(col(User.id))
            .with_for_update()
        )
        .scalars()
        .all()
    )


def _keep_an_admin(admins: list[int], user_id: int) -> None:
    """Refuse to take away the last enabled admin."""
    if admins == [user_id]:
        raise Conflict(
            "This is the only admin, and the last admin cannot be removed: make another "
            "admin first.",
            code="last_admin",
        )


def _sign_out(session: Session, user_id: int) -> tuple[int, int]:
    now = utcnow()
    conn = session.connection()  # a Core result: it tells the row count
    ended = conn.execute(
        update(WebSession)
        .where(
            col(WebSession.user_id) == user_id,
            col(WebSession.revoked_at).is_(None),
            col(WebSession.expires_at) > now,
        )
        .values(revoked_at=now)
    ).rowcount
    revoked = conn.execute(
        update(RefreshToken)
        .where(
            col(RefreshToken.user_id) == user_id,
            col(RefreshToken.revoked_at).is_(None),
            col(RefreshToken.expires_at) > now,
        )
        .values(revoked_at=now)
    ).rowcount
    return int(ended), int(revoked)
