"""Browser sessions: an opaque random token in an HttpOnly cookie, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from v4a_portal.models import User, WebSession, utcnow
from v4a_portal.settings import get_settings

COOKIE_NAME = "v4a_session"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user_id: int) -> str:
    """Create a session for the user and return the cookie value."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user_id,
            token_hash=hash_token(token),
            expires_at=utcnow() + timedelta(days=get_settings().session_days),
        )
    )
    return token


def user_for(session: Session, token: str | None) -> User | None:
    """The signed-in, enabled user behind a cookie value, or None."""
    if not token:
        return None
    row = session.execute(
        select(User)
        .join(WebSession, col(WebSession.user_id) == col(User.id))
        .where(
            col(WebSession.token_hash) == hash_token(token),
            col(WebSession.revoked_at).is_(None),
            col(WebSession.expires_at) > utcnow(),
            col(User.disabled).is_(False),
        )
    ).scalar()
    return row


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(
            update(WebSession)
            .where(col(WebSession.token_hash) == hash_token(token))
            .values(revoked_at=utcnow())
        )


def cookie_from_header(cookie_header: str | None) -> str | None:
    """Pull our cookie out of a raw Cookie header (Reflex hands handlers the header)."""
    from http.cookies import SimpleCookie

    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # a malformed header means no session, not a crash
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None
