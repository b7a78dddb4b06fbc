"""Sign a user out everywhere: every browser session and every API sign-in (refresh family,
and through the family claim its access tokens) ends at once. For a lost laptop or a leaked
token; staff only, audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, distinct, func, select, update
from sqlmodel import Session, col

from v4a_portal.models import RefreshToken, User, WebSession, utcnow
from v4a_portal.services import accounts, audit


@dataclass(frozen=True)
class SignedOut:
    sessions: int  # browser sessions ended
    token_families: int  # API sign-ins ended


def everywhere(session: Session, user_id: int, actor: User | None) -> SignedOut:
    accounts.get(session, user_id)  # NotFound for an unknown user
    now = utcnow()
    families = session.execute(
        select(func.count(distinct(col(RefreshToken.family_id)))).where(
            col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None)
        )
    ).scalar_one()
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    ended = cast(
        CursorResult[Any],
        session.execute(
            update(WebSession)
            .where(col(WebSession.user_id) == user_id, col(WebSession.revoked_at).is_(None))
            .values(revoked_at=now)
        ),
    ).rowcount
    result = SignedOut(sessions=int(ended or 0), token_families=int(families))
    audit.record(
        session,
        actor=actor,
        action="users.sign_out_everywhere",
        target_type="user",
        target_id=user_id,
        after={"sessions": result.sessions, "token_families": result.token_families},
    )
    return result
