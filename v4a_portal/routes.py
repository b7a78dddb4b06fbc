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
CONSOLE = "/console"
CONSOLE_USERS = "/console/users"
BILLING = "/billing"
CONSOLE_USER = "/console/users/[account_id]"  # the dynamic route; links use console_user()
CONSOLE_CLIPS = "/console/clips"
CONSOLE_QUEUES = "/console/queues"
CONSOLE_AUDIT = "/console/audit"
NOT_FOUND = "404"  # Reflex's slug for the page unknown URLs get
ANALYTICS = "/console/analytics"
ANALYTICS_LINEAGE = "/console/analytics/lineage"
ANALYTICS_SCRIPTS = "/console/analytics/scripts"
ANALYTICS_FUNNEL = "/console/analytics/funnel"
ANALYTICS_PROVIDERS = "/console/analytics/providers"

# FastAPI routes mounted next to the UI (v4a_portal/api/auth.py).
GOOGLE_LOGIN = "/api/v1/auth/google/login"
LOGOUT = "/api/v1/auth/logout"
STAFF_AUDIT_API = "/api/v1/staff/audit"


def video_download(video_id: int) -> str:
    """A clip's download: counted, then redirected to the file (api/videos.py)."""
    return f"/api/v1/videos/{video_id}/download"


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


def console_user(user_id: int, *, tab: str | None = None) -> str:
    """A user's page in the console, optionally on a tab ("ledger", "clips", …)."""
    path = f"/console/users/{user_id}"
    return f"{path}?{urlencode({'tab': tab})}" if tab else path


def console_clips(**filters: str | int | None) -> str:
    """The console's clips page with filters in the query (status, user, video, …)."""
    query = {k: v for k, v in filters.items() if v}
    return f"{CONSOLE_CLIPS}?{urlencode(query)}" if query else CONSOLE_CLIPS


def console_audit(*, target: int | None = None) -> str:
    """The console's audit log, optionally of one target user."""
    return f"{CONSOLE_AUDIT}?{urlencode({'target': target})}" if target else CONSOLE_AUDIT


def audit_csv(**filters: str | int | None) -> str:
    """The audit log as CSV, with the page's filters (served by the staff API)."""
    query = {"format": "csv", **{k: v for k, v in filters.items() if v}}
    return f"{STAFF_AUDIT_API}?{urlencode(query)}"
