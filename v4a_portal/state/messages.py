"""The words the UI shows: sign-in errors, notices, ledger kinds, roles, and service errors."""

from __future__ import annotations

from datetime import datetime

from v4a_portal.models import LedgerKind, Role
from v4a_portal.services.errors import DomainError, InsufficientCredits, NotFound
from v4a_portal.state import formatting

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


def ledger_activity(kind: str, regenerated: bool) -> str:
    """The Activity column: writing and regenerating a script are told apart."""
    if kind == LedgerKind.script:
        return "Ad script regenerated" if regenerated else "Ad script written"
    return kind_label(kind)


# Why a refund was made, from the code the service noted on it.
REFUND_REASONS: dict[str, str] = {
    "canceled": "Canceled",
    "provider_canceled": "Canceled",
    "timed_out": "Took too long and was stopped",
    "too_many_attempts": "Failed repeatedly on our side",
    "photo_missing": "The photo was missing",
    "photo_deleted": "The photo was deleted",
    "same_as_parent": "The new version was the same as the script it redid",
    "orphaned": "The request was interrupted",
    "script_timed_out": "The request was interrupted",
}


def ledger_note(kind: str, note: str) -> str:
    """The note a customer reads: a refund's reason in words; no order details in codes
    (the "For" column says what it paid for); anything staff wrote, as written."""
    if kind == LedgerKind.refund:
        return REFUND_REASONS.get(note, "Failed on our side" if note else "")
    if kind in (LedgerKind.video, LedgerKind.script):
        return ""
    return note


def credit_pack(pack_id: str) -> str:
    """'starter_500' → 'Credit pack: starter 500'."""
    return f"Credit pack: {pack_id.replace('_', ' ')}".strip()


def reference_label(reference: str) -> str:
    """A ledger reference as staff read it, from the reference alone (no look-ups):
    "video:21" → "Clip #21", "image:36" → "Script for photo #36". Unknown ones (a ticket
    a staff member named) stay as written."""
    kind, _, value = reference.partition(":")
    labels = {
        "video": f"Clip #{value}",
        "batch": f"Batch {value[:8]}",
        "image": f"Script for photo #{value}",
        "regenerate": f"Regeneration of script #{value}",
        "script-request": "Script request (refunded)",
        "demo-script": "Demo script",
        "user": "Account",
        "pack": credit_pack(value),
    }
    return labels.get(kind, reference) if value else reference


def ledger_subject(what: str, script_id: int, parent_id: int, video_id: int, clips: int) -> str:
    """What an entry paid for or gave back, in words (services/ledger_subjects.Subject)."""
    if what == "script":
        return f"Script #{script_id}" + (f", regenerated from #{parent_id}" if parent_id else "")
    if what == "script_request":
        return f"Regeneration of script #{parent_id}" if parent_id else "Script request"
    if what == "clip":
        return f"Clip #{video_id}"
    if what == "batch":
        return f"Batch of {clips} clips" if clips else "Batch of clips"
    return ""


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.capitalize())


# --- Studio and Library -------------------------------------------------------------------

TONE_LABELS: dict[str, str] = {
    "playful": "Playful",
    "luxury": "Luxury",
    "energetic": "Energetic",
    "calm": "Calm",
    "professional": "Professional",
}

LANGUAGE_LABELS: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ja": "Japanese",
}

UNEXPECTED_ERROR = "Something went wrong on our side. Please try again in a minute."
SCRIPT_CRASHED = (
    "The script could not be written because of an error on our side. "
    "Any credits taken for it were refunded."
)
NOT_FOUND = "That is not in your library any more. It may have been deleted."
PHOTO_NEEDED = "Choose or upload a photo first."
UPLOAD_INTERRUPTED = "The upload was interrupted before the whole file arrived. Please try again."
ONE_PHOTO = "Drop one photo at a time."

# react-dropzone's codes for files refused in the browser, before any upload.
DROP_REJECTIONS: dict[str, str] = {
    "file-invalid-type": "That is not an image we accept. Use a JPEG, PNG or WebP photo.",
    "too-many-files": ONE_PHOTO,
}


def error_text(error: DomainError) -> str:
    """What the UI says for a service's refusal; the services' own messages are user-facing."""
    if isinstance(error, InsufficientCredits):
        return credits_short(error.needed, error.balance)
    if isinstance(error, NotFound):
        return NOT_FOUND
    return error.message


def drop_rejection(codes: list[str], max_mb: int) -> str:
    """The first reason the browser refused a dropped file."""
    for code in codes:
        if code == "file-too-large":
            return f"The photo is larger than {max_mb} MB. Please choose a smaller one."
        if code in DROP_REJECTIONS:
            return DROP_REJECTIONS[code]
    return DROP_REJECTIONS["file-invalid-type"]


def writer_label(writer: str | None) -> str:
    """'local' → 'Local writer'; 'openai:gpt-4o' → 'OpenAI gpt-4o'."""
    if not writer:
        return "Unknown writer"
    name, _, model = writer.partition(":")
    if name == "local":
        return "Local writer"
    if name == "openai":
        return f"OpenAI {model}".strip()
    return writer


def tone_label(tone: str | None) -> str:
    return TONE_LABELS.get(tone or "", (tone or "").capitalize())


def language_label(code: str | None) -> str:
    return LANGUAGE_LABELS.get(code or "", (code or "").upper())


# --- Video clips ---------------------------------------------------------------------------

CLIP_STATUS: dict[str, str] = {
    "pending": "Queued",
    "processing": "Generating",
    "completed": "Ready",
    "failed": "Failed",
    "canceled": "Canceled",
}

VIDEO_CRASHED = (
    "The clips could not be requested because of an error on our side. "
    "Nothing was charged; please try again in a minute."
)
NO_VIDEO_MODELS = "No video model is available right now. Please try again later."
PROMPT_NEEDED = "Write what should happen in the video, or write a script first."
CANCEL_CRASHED = "The clip could not be canceled because of an error on our side."
LIVE_UNAVAILABLE = (
    "Live progress is unavailable right now; reload the page to see how your clips are doing."
)


PROVIDER_LABELS = {"veo": "Veo", "sora": "Sora", "draft": "the local renderer"}


def provider_label(provider: str) -> str:
    return PROVIDER_LABELS.get(provider, provider.capitalize())


def clip_status(status: str) -> str:
    return CLIP_STATUS.get(status, status.capitalize())


def credits_short(needed: int, balance: int) -> str:
    """Why Generate is off: the same words as a refused debit (error_text)."""
    return f"This costs {needed} credits and you have {balance}: {needed - balance} more needed."


def daily_bonus_note(credits: int, next_at: datetime | None, now: datetime) -> str:
    """The way back to credits that costs nothing: when the next daily bonus comes."""
    if next_at is None:
        return (
            f"Your daily bonus of {credits} credits is ready: sign out and sign in again "
            "to collect it."
        )
    hours = max(1, round((next_at - now).total_seconds() / 3600))
    about = "about an hour" if hours == 1 else f"about {hours} hours"
    return (
        f"Your next daily bonus of {credits} credits comes with your first sign-in after "
        f"{formatting.timestamp(next_at)} (in {about})."
    )


BUY_CREDITS = "Buy credits"
