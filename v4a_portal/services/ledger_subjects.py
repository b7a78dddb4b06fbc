"""What each credit ledger entry paid for or gave back: the script (written or regenerated),
the clip or the batch of clips, read in a few queries for a page of entries.

Entries keep their reference and key as written (they are never changed); this reads them
back into the rows they name, so the account page can say "Script #15, regenerated from
#13" instead of `image:22`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from v4a_portal.models import CreditLedger, GeneratedScript, LedgerKind, Video
from v4a_portal.services import ledger_keys

_BATCH = "batch:"
_VIDEO = "video:"
_REGENERATE = "regenerate:"


@dataclass(frozen=True)
class Subject:
    """What an entry is about. `what`: "script", "script_request" (paid, then refunded
    without a script), "clip", "batch" or "" (nothing to point at)."""

    what: str = ""
    script_id: int = 0
    parent_id: int = 0  # the script a regeneration redid
    video_id: int = 0
    clips: int = 0  # in a batch


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


def subjects(session: Session, user_id: int, entries: list[CreditLedger]) -> dict[int, Subject]:
    """Entry id → its Subject, for entries of one user."""
    debit_keys = {_script_debit_key(e) for e in entries} - {""}
    scripts = {
        s.charge_key: s
        for s in session.execute(
            select(GeneratedScript).where(
                col(GeneratedScript.user_id) == user_id,
                col(GeneratedScript.charge_key).in_(debit_keys),
            )
        ).scalars()
    }
    # A refund names its debit only by key; the debit's reference says what it was for.
    debit_references = {
        key: reference
        for key, reference in session.execute(
            select(col(CreditLedger.idempotency_key), col(CreditLedger.reference)).where(
                col(CreditLedger.user_id) == user_id,
                col(CreditLedger.idempotency_key).in_(debit_keys),
            )
        ).all()
    }
    batches = {
        (e.reference or "")[len(_BATCH) :]
        for e in entries
        if (e.reference or "").startswith(_BATCH)
    }
    batch_rows = session.execute(
        select(col(Video.batch_id), func.count(), func.min(col(Video.id)))
        .where(col(Video.user_id) == user_id, col(Video.batch_id).in_(batches))
        .group_by(col(Video.batch_id))
    ).all()
    batch_sizes: Counter[str] = Counter({b: n for b, n, _ in batch_rows if b})
    batch_first = {b: first for b, _, first in batch_rows if b}
    found: dict[int, Subject] = {}
    for entry in entries:
        assert entry.id is not None
        reference = entry.reference or ""
        debit_key = _script_debit_key(entry)
        if debit_key:
            script = scripts.get(debit_key)
            asked = debit_references.get(debit_key) or ""
            parent = _number(asked[len(_REGENERATE) :]) if asked.startswith(_REGENERATE) else 0
            if script is not None and entry.kind == LedgerKind.script:
                found[entry.id] = Subject(
                    "script", script.id or 0, script.parent_script_id or parent
                )
            else:
                found[entry.id] = Subject("script_request", parent_id=parent)
        elif reference.startswith(_VIDEO):
            found[entry.id] = Subject("clip", video_id=_number(reference[len(_VIDEO) :]))
        elif reference.startswith(_BATCH):
            batch = reference[len(_BATCH) :]
            if batch_sizes[batch] == 1:
                found[entry.id] = Subject("clip", video_id=batch_first[batch])
            else:
                found[entry.id] = Subject("batch", clips=batch_sizes[batch])
        else:
            found[entry.id] = Subject()
    return found


def _script_debit_key(entry: CreditLedger) -> str:
    """The key of the script debit an entry is (or refunds); "" for other entries."""
    key = entry.idempotency_key
    if key.startswith(ledger_keys.REFUND_PREFIX):
        key = key[len(ledger_keys.REFUND_PREFIX) :]
    return key if key.startswith(ledger_keys.SCRIPT_DEBIT_PREFIX) else ""
