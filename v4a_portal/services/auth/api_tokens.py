"""API tokens: short-lived access JWTs (PyJWT, HS256) and rotated opaque refresh api_tokens.

Presenting a refresh token that was already used means it leaked: the whole family
(every token descended from that sign-in) is revoked.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import jwt
from sqlalchemy import CursorResult, exists, select, update
from sqlmodel import Session, col

from v4a_portal.models import RefreshToken, User, utcnow
from v4a_portal.services.auth.web_sessions import hash_token
from v4a_portal.services.errors import Unauthorized
from v4a_portal.services.signing_key import secret_key
from v4a_portal.settings import get_settings

AUDIENCE = "v4a-api"
ALGORITHM = "HS256"
# A user id as we write it: ASCII digits only (str.isdigit also takes "٣"), within the
# column's range.
_USER_ID = re.compile(r"[1-9][0-9]{0,9}", re.ASCII)
_MAX_USER_ID = 2**31 - 1


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"

    def as_dict(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }


def _issuer() -> str:
    return get_settings().public_url.rstrip("/")


def access_token(
    user: User, family_id: str | None = None, *, now: datetime | None = None
) -> tuple[str, int]:
    """An access JWT; `fam` names its refresh family, so revoking the family stops it too."""
    settings = get_settings()
    now = now or datetime.now(UTC)
    lifetime = settings.access_token_minutes * 60
    claims = {
        "sub": str(user.id),
        "role": user.role,
        "aud": AUDIENCE,
        "iss": _issuer(),
        "iat": now,
        "exp": now + timedelta(seconds=lifetime),
        "jti": uuid.uuid4().hex,
        "fam": family_id or uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret_key(), algorithm=ALGORITHM), lifetime


def issue(session: Session, user: User, family_id: str | None = None) -> TokenPair:
    """A new access token and refresh token; a new family unless rotating."""
    assert user.id is not None
    refresh = secrets.token_urlsafe(32)
    family_id = family_id or uuid.uuid4().hex
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=hash_token(refresh),
            family_id=family_id,
            expires_at=utcnow() + timedelta(days=get_settings().refresh_token_days),
        )
    )
    access, lifetime = access_token(user, family_id)
    return TokenPair(access, refresh, lifetime)


def user_from_access(session: Session, token: str) -> User:
    """Verify an access JWT (signature, alg, audience, issuer, expiry, family not revoked)
    and load its user."""
    try:
        claims = jwt.decode(
            token,
            secret_key(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=_issuer(),
            options={"require": ["exp", "sub", "aud", "iss", "fam"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired.", code="token_expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("The access token is not valid.", code="invalid_token") from exc
    sub, family_id = claims["sub"], claims["fam"]
    if not (isinstance(sub, str) and _USER_ID.fullmatch(sub) and int(sub) <= _MAX_USER_ID):
        raise Unauthorized("The access token is not valid.", code="invalid_token")
    user = session.get(User, int(sub))
    if user is None or user.disabled:
        raise Unauthorized("This account cannot be used.", code="account_unavailable")
    if not isinstance(family_id, str) or family_revoked(session, family_id):
        raise Unauthorized("This sign-in was revoked; sign in again.", code="token_revoked")
    return user


def family_revoked(session: Session, family_id: str) -> bool:
    """Revocation marks every row of a family at once, so one revoked row says it all."""
    return bool(
        session.execute(
            select(
                exists().where(
                    col(RefreshToken.family_id) == family_id,
                    col(RefreshToken.revoked_at).is_not(None),
                )
            )
        ).scalar()
    )


def rotate(session: Session, refresh: str) -> TokenPair:
    """Exchange a refresh token for a new pair. Reuse revokes the family.

    The caller commits; on reuse we commit the revocation ourselves before raising,
    because the error makes the caller roll back.
    """
    now = utcnow()
    row = session.execute(
        select(RefreshToken).where(col(RefreshToken.token_hash) == hash_token(refresh))
    ).scalar()
    if row is None:
        raise Unauthorized("The refresh token is not valid.", code="invalid_token")
    # Claim the token atomically: only one concurrent refresh can flip used_at.
    claimed = cast(
        CursorResult[Any],
        session.execute(
            update(RefreshToken)
            .where(
                col(RefreshToken.id) == row.id,
                col(RefreshToken.used_at).is_(None),
                col(RefreshToken.revoked_at).is_(None),
            )
            .values(used_at=now)
        ),
    ).rowcount
    if not claimed:
        revoke_family(session, row.family_id)
        session.commit()
        raise Unauthorized(
            "This refresh token was already used; every token of this sign-in is now revoked.",
            code="token_reused",
        )
    if row.expires_at <= now:
        raise Unauthorized("The refresh token has expired.", code="token_expired")
    user = session.get(User, row.user_id)
    if user is None or user.disabled:
        raise Unauthorized("This account cannot be used.", code="account_unavailable")
    return issue(session, user, family_id=row.family_id)


def revoke_family(session: Session, family_id: str) -> None:
    """Ends the family's refresh tokens and, through the `fam` claim, its access tokens."""
    session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
