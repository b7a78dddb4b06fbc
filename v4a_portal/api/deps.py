"""Dependencies every route shares: the database session and the current user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import permissions, sessions, tokens
from v4a_portal.services.errors import Unauthorized


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


DbSession = Annotated[Session, Depends(get_session)]


def current_user(request: Request, session: DbSession) -> User:
    """A Bearer access token, or else the browser's session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return tokens.user_from_access(session, header[7:].strip())
    user = sessions.user_for(session, request.cookies.get(sessions.COOKIE_NAME))
    if user is None:
        raise Unauthorized("Sign in first.", code="not_authenticated")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(permission: str) -> Callable[..., User]:
    """A dependency that lets only users holding `permission` through."""

    def _check(user: CurrentUser) -> User:
        return permissions.require(user, permission)

    return _check
