"""Every path the UI links or redirects to, so a route is spelled once."""

from __future__ import annotations

from urllib.parse import urlencode

INDEX = "/"
BILLING = "/billing"  # credit packs and subscriptions
SIGNIN = "/signin"
ACCOUNT = "/account"
STUDIO = "/studio"
# Where a signed-in user lands unless `next` says otherwise: where the work starts.
HOME = STUDIO
LIBRARY = "/library"
CONSOLE_USERS = "/console/users"

# FastAPI routes mounted next to the UI (v4a_portal/api/auth.py).
GOOGLE_LOGIN = "/api/v1/auth/google/login"
LOGOUT = "/api/v1/auth/logout"


def signin(next_path: str | None = None) -> str:
    """The sign-in page, coming back to `next_path` afterwards."""
    return f"{SIGNIN}?{urlencode({'next': next_path})}" if next_path else SIGNIN


def google_login(next_path: str) -> str:
    return f"{GOOGLE_LOGIN}?{urlencode({'next': next_path})}"


def account(notice: str | None = None) -> str:
    """The account page, optionally showing one of `messages.NOTICES`."""
    return f"{ACCOUNT}?{urlencode({'notice': notice})}" if notice else ACCOUNT


def studio(*, photo: int | None = None, script: int | None = None) -> str:
    """The Studio opened on one of the user's photos or scripts (the Studio checks ownership)."""
    query = {k: v for k, v in (("photo", photo), ("script", script)) if v}
    return f"{STUDIO}?{urlencode(query)}" if query else STUDIO


def library(*, tab: str | None = None, status: str | None = None) -> str:
    """The Library on a tab ("photos", "scripts", "videos"), the videos filtered by status."""
    query = {k: v for k, v in (("tab", tab), ("status", status)) if v}
    return f"{LIBRARY}?{urlencode(query)}" if query else LIBRARY
