"""Sign-in routes: the browser OIDC flow (authlib), token exchange, refresh, logout."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from v4a_portal.api.deps import DbSession
from v4a_portal.db import session_scope
from v4a_portal.services import accounts
from v4a_portal.services.auth import api_tokens, identity, web_sessions
from v4a_portal.services.errors import DomainError
from v4a_portal.services.redirects import safe_next
from v4a_portal.settings import get_settings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

NEXT_KEY = "v4a_next"


@lru_cache(maxsize=4)
def _oauth(discovery_url: str, client_id: str, client_secret: str) -> OAuth:
    oauth = OAuth()
    oauth.register(
        name="google",
        server_metadata_url=discovery_url,
        client_id=client_id,
        client_secret=client_secret,
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )
    return oauth


def _client() -> Any:  # authlib's client: untyped
    s = get_settings()
    return _oauth(s.oidc_discovery_url, s.oidc_client_id, s.oidc_client_secret).google


def _signin_error(code: str) -> RedirectResponse:
    return RedirectResponse(f"/signin?error={quote(code)}", status_code=303)


@router.get("/google/login", summary="Start the OpenID Connect sign-in")
async def login(request: Request, next: str | None = None) -> RedirectResponse:
    request.session.clear()
    request.session[NEXT_KEY] = safe_next(next)
    redirect_uri = get_settings().public_url.rstrip("/") + "/api/v1/auth/google/callback"
    try:
        return await _client().authorize_redirect(request, redirect_uri)
    except Exception:  # discovery failed: the provider is down
        return _signin_error("provider_unavailable")


@router.get("/google/callback", summary="Finish sign-in; sets the session cookie")
async def callback(request: Request) -> RedirectResponse:
    if request.query_params.get("error"):
        request.session.clear()
        return _signin_error(request.query_params["error"][:60])
    try:
        token = await _client().authorize_access_token(request)
    except OAuthError as exc:
        request.session.clear()
        return _signin_error(exc.error or "oauth_error")
    except Exception:
        request.session.clear()
        return _signin_error("provider_unavailable")
    next_path = safe_next(request.session.pop(NEXT_KEY, None))
    request.session.clear()
    try:
        # Blocking database work off the event loop: SQLite may wait for its write lock.
        cookie = await run_in_threadpool(_open_session, dict(token.get("userinfo") or {}))
    except DomainError as exc:
        return _signin_error(exc.code)
    response = RedirectResponse(next_path, status_code=303)
    settings = get_settings()
    response.set_cookie(
        web_sessions.COOKIE_NAME,
        cookie,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


def _open_session(claims: dict[str, Any]) -> str:
    """Find or create the user behind the claims; return a new session cookie value."""
    user = accounts.sign_in(identity.identity_from_claims(claims))
    assert user.id is not None
    with session_scope() as session:
        return web_sessions.start(session, user.id)


@router.post("/logout", summary="End the browser session")
def logout(request: Request, session: DbSession) -> JSONResponse:
    web_sessions.end(session, request.cookies.get(web_sessions.COOKIE_NAME))
    response = JSONResponse({"ok": True})
    response.delete_cookie(web_sessions.COOKIE_NAME, path="/")
    return response


class IdTokenIn(BaseModel):
    id_token: str = Field(min_length=10, max_length=8000)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


@router.post("/google", summary="Exchange a Google ID token for API tokens")
def google_token(body: IdTokenIn, session: DbSession) -> dict[str, object]:
    user = accounts.sign_in(identity.verify_id_token(body.id_token))
    return api_tokens.issue(session, user).as_dict()


@router.post("/refresh", summary="Rotate a refresh token")
def refresh(body: RefreshIn, session: DbSession) -> dict[str, object]:
    return api_tokens.rotate(session, body.refresh_token).as_dict()
