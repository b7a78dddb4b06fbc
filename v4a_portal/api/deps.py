"""Dependencies every route shares: the database session and the current user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlmodel import Session

from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services import permissions
from v4a_portal.services.auth import api_tokens, web_sessions
from v4a_portal.services.errors import Unauthorized


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


# scope="function": commit (or roll back) when the route returns, before the response is
# sent; the default would commit after the client already holds tokens or an "ok".
DbSession = Annotated[Session, Depends(get_session, scope="function")]


# Bounds keep huge numbers out of SQL, where they overflow the column types (a 500).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]


def current_user(request: Request) -> User:
    """A Bearer access token, or else the browser's session cookie.

    Looked up in a short transaction of its own: a route that calls services opening
    their own transactions must not hold one open meanwhile (SQLite has one writer).
    """
    header = request.headers.get("authorization", "")
    with session_scope() as session:
        if header.lower().startswith("bearer "):
            return api_tokens.user_from_access(session, header[7:].strip())
        user = web_sessions.user_for(session, request.cookies.get(web_sessions.COOKIE_NAME))
    if user is None:
        raise Unauthorized("Sign in first.", code="not_authenticated")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(permission: str) -> Callable[..., User]:
    """A dependency that lets only users holding `permission` through."""

    def _check(user: CurrentUser) -> User:
        return permissions.require(user, permission)

    return _check
