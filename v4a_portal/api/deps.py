"""Dependencies every route shares: the database session and the current user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field
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
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
# The same bounds for an id in a query string or a JSON body.
QueryRowId = Annotated[int, Query(ge=1, le=MAX_ROW_ID)]
BodyRowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]


# Declares the bearer scheme in the OpenAPI schema (Swagger UI's "Authorize"); the cookie
# is the other way in, so a missing header is not an error here.
_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/google")


def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """A Bearer access token, or else the browser's session cookie.

    Looked up in a short transaction of its own: a route that calls services opening
    their own transactions must not hold one open meanwhile (SQLite has one writer).
    """
    with session_scope() as session:
        if credentials is not None:
            return api_tokens.user_from_access(session, credentials.credentials.strip())
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
