"""The idempotency keys of ledger entries: one function per kind of balance change.

A key names what an entry pays for, so the same change asked twice (a retried request, a
redelivered event, a crash and a rerun) hits the ledger's unique index instead of paying
again. Keys are stored forever: never change a format, add a new one.
"""

from __future__ import annotations

from datetime import datetime

REFUND_PREFIX = "refund:"
SCRIPT_DEBIT_PREFIX = "script:"  # the script orphan sweep looks for no other


def signup_bonus(user_id: int) -> str:
    return f"signup:{user_id}"


def daily_bonus(user_id: int, moment: datetime) -> str:
    return f"daily:{user_id}:{moment.isoformat()}"


def video_batch_debit(batch_id: str) -> str:
    """One debit pays for every video of a request."""
    return f"videos:{batch_id}"


def video_refund(video_id: int) -> str:
    """Shared by every ending that refunds a video (its job, a cancel, the sweep, staff):
    whichever writes it first pays, the others find it taken."""
    return f"{REFUND_PREFIX}video:{video_id}"


def script_debit(user_id: int, nonce: str) -> str:
    return f"{SCRIPT_DEBIT_PREFIX}{user_id}:{nonce}"


def refund_of(debit_key: str) -> str:
    """The refund of a debit, derived from its key: a script whose writer failed, or a
    regeneration that came back identical to its parent. One key, so at most one refund."""
    return f"{REFUND_PREFIX}{debit_key}"


def staff_adjustment(user_id: int, key: str) -> str:
    """A staff credit adjustment; `key` is made when the dialog opens (or the API client's
    Idempotency-Key), so a double click or a retried request adjusts once."""
    return f"staff:{user_id}:{key}"


def video_retry_debit(original_video_id: int) -> str:
    """The charge for a staff retry of a video: a video is retried at most once."""
    return f"retry:video:{original_video_id}"
