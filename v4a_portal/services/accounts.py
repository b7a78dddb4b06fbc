"""Users: sign-in upsert with the signup and daily bonuses, roles, the staff list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import LedgerKind, Role, User, utcnow
from v4a_portal.services import audit, ledger, ledger_keys, paging
from v4a_portal.services.errors import Forbidden, InvalidInput, NotFound
from v4a_portal.settings import get_settings


@dataclass(frozen=True)
class Identity:
    """What the identity provider tells us about the person signing in."""

    subject: str
    email: str
    name: str | None = None
    picture: str | None = None


def get(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def by_email(session: Session, email: str) -> User:
    user = session.execute(select(User).where(col(User.email) == email.strip().lower())).scalar()
    if user is None:
        raise NotFound(f"No user with email {email}.")
    return user


def sign_in(identity: Identity) -> User:
    """Find or create the user for an identity and grant the bonuses it is due.

    Safe under concurrent sign-ins: the user row is created once (unique email and
    subject) and the daily bonus is claimed by one conditional UPDATE.
    """
    email = identity.email.strip().lower()
    if "@" not in email:
        raise InvalidInput("The identity provider did not return an email address.")
    settings = get_settings()
    for _ in range(3):
        try:
            with session_scope() as session:
                user = _find(session, identity.subject, email)
                if user is None:
                    return _create(session, identity, email, settings.admin_emails)
                if user.disabled:
                    raise Forbidden("This account is disabled.")
                _refresh_profile(session, user, identity, email, settings.admin_emails)
                _grant_daily_bonus(session, user)
                session.flush()
                session.refresh(user)
                return user
        except IntegrityError:
            continue  # another sign-in created the same user first; find it next time
    raise InvalidInput("Could not sign in; please try again.")


def _find(session: Session, subject: str, email: str) -> User | None:
    by_subject = session.execute(select(User).where(col(User.oidc_subject) == subject)).scalar()
    if by_subject is not None:
        return by_subject
    return session.execute(select(User).where(col(User.email) == email)).scalar()


def _create(session: Session, identity: Identity, email: str, admins: list[str]) -> User:
    now = utcnow()
    user = User(
        email=email,
        name=identity.name,
        picture=identity.picture,
        oidc_subject=identity.subject,
        role=(Role.admin if email in admins else Role.customer).value,
        last_login_bonus_date=now,
        last_login_at=now,
        credits=0,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    ledger.post(
        session,
        user_id=user.id,
        delta=get_settings().signup_bonus,
        kind=LedgerKind.signup_bonus,
        key=ledger_keys.signup_bonus(user.id),
        reference=f"user:{user.id}",
    )
    session.refresh(user)
    return user


def _refresh_profile(
    session: Session, user: User, identity: Identity, email: str, admins: list[str]
) -> None:
    user.oidc_subject = user.oidc_subject or identity.subject
    user.name = identity.name or user.name
    user.picture = identity.picture or user.picture
    user.last_login_at = utcnow()
    if email in admins and user.role != Role.admin.value:
        user.role = Role.admin.value
    session.add(user)


def _grant_daily_bonus(session: Session, user: User) -> None:
    now = utcnow()
    due = now - timedelta(hours=get_settings().daily_bonus_hours)
    assert user.id is not None
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(User)
            .where(
                col(User.id) == user.id,
                or_(
                    col(User.last_login_bonus_date).is_(None),
                    col(User.last_login_bonus_date) <= due,
                ),
            )
            .values(last_login_bonus_date=now)
        ),
    ).rowcount
    if claimed:
        ledger.post(
            session,
            user_id=user.id,
            delta=get_settings().daily_bonus,
            kind=LedgerKind.daily_bonus,
            key=ledger_keys.daily_bonus(user.id, now),
            reference=f"user:{user.id}",
        )


@dataclass(frozen=True)
class DailyBonus:
    credits: int
    # The first sign-in from this moment on grants it (UTC); None when one is due now.
    next_at: datetime | None


def daily_bonus(user: User) -> DailyBonus:
    """The daily sign-in bonus and when this user's next one comes (the cooldown above)."""
    settings = get_settings()
    last = user.last_login_bonus_date
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)  # SQLite hands back naive datetimes written as UTC
    next_at = last + timedelta(hours=settings.daily_bonus_hours) if last else None
    return DailyBonus(settings.daily_bonus, next_at if next_at and next_at > utcnow() else None)


def set_role(session: Session, email: str, role: Role | str, actor: User | None = None) -> User:
    try:
        new_role = Role(role)
    except ValueError as exc:
        raise InvalidInput(f"Unknown role {role!r}; use one of {[r.value for r in Role]}.") from exc
    user = by_email(session, email)
    before = user.role
    user.role = new_role.value
    user.updated_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="users.set_role",
        target_type="user",
        target_id=user.id,
        before={"role": before},
        after={"role": new_role.value},
    )
    return user


def set_disabled(session: Session, user_id: int, disabled: bool, actor: User | None) -> User:
    user = get(session, user_id)
    before = user.disabled
    user.disabled = disabled
    user.updated_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=actor,
        action="users.disable" if disabled else "users.enable",
        target_type="user",
        target_id=user.id,
        before={"disabled": before},
        after={"disabled": disabled},
    )
    return user


SORTABLE = {"created_at", "email", "name", "credits", "role"}


def list_users(
    session: Session,
    *,
    query: str = "",
    sort: str = "created_at",
    descending: bool = True,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[User], int]:
    """A page of users matching `query` in email or name, and the total match count."""
    if sort not in SORTABLE:
        raise InvalidInput(f"Cannot sort by {sort!r}; use one of {sorted(SORTABLE)}.")
    per_page = min(max(per_page, 1), 100)
    where = []
    if query.strip():
        like = f"%{query.strip().lower()}%"
        where.append(or_(func.lower(User.email).like(like), func.lower(User.name).like(like)))
    column = getattr(User, sort)
    order = column.desc() if descending else column.asc()
    rows, total, _ = paging.page_rows(
        session,
        paging.paged(select(User).where(*where).order_by(order, col(User.id).desc())),
        select(func.count()).select_from(User).where(*where),
        page,
        per_page,
    )
    return [user for (user,) in rows], total
