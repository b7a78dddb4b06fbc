"""The words the UI shows for codes: sign-in errors, notices, ledger kinds and roles."""

from __future__ import annotations

from v4a_portal.models import LedgerKind, Role

# Codes the OAuth callback puts in /signin?error=... (api/auth.py) and what they mean.
SIGNIN_ERRORS: dict[str, str] = {
    "access_denied": "Sign-in was cancelled. Nothing was shared; try again when you are ready.",
    "mismatching_state": (
        "That sign-in attempt expired or was started in another tab. Please start again."
    ),
    "provider_unavailable": (
        "Google sign-in cannot be reached right now. Please try again in a minute."
    ),
    "forbidden": "This account has been disabled. Contact support if you think this is a mistake.",
    "no_email": "Your Google account did not share a verified email address, which we need.",
}
GENERIC_SIGNIN_ERROR = "Sign-in did not complete. Please try again."

# Codes for /account?notice=... after a redirect.
NOTICES: dict[str, str] = {
    "no_access": (
        "That page is for staff accounts (support, analyst or admin), "
        "so you were brought back to your account."
    ),
}

KIND_LABELS: dict[str, str] = {
    LedgerKind.signup_bonus: "Signup bonus",
    LedgerKind.daily_bonus: "Daily sign-in bonus",
    LedgerKind.script: "Ad script",
    LedgerKind.video: "Video generation",
    LedgerKind.refund: "Refund",
    LedgerKind.purchase: "Credit purchase",
    LedgerKind.subscription_grant: "Subscription credits",
    LedgerKind.staff_adjustment: "Adjustment by support",
    LedgerKind.chargeback: "Chargeback",
}

ROLE_LABELS: dict[str, str] = {
    Role.customer: "Customer",
    Role.support: "Support",
    Role.analyst: "Analyst",
    Role.admin: "Admin",
}


def signin_error(code: str | None) -> str:
    if not code:
        return ""
    return SIGNIN_ERRORS.get(code, GENERIC_SIGNIN_ERROR)


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.capitalize())
