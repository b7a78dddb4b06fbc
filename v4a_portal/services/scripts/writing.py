"""Ad scripts: generate (paid), regenerate (paid, linked to its parent), edit (free), list.

A regeneration is seeded by its parent and attempt, so the writer varies it; one that still
comes back word for word as its parent is refunded and not kept (SameScript).

Credits are debited before the writer runs, in a transaction of their own, so parallel
requests can never spend more than the balance. Every debit then ends with exactly one of
a stored script (which records the debit's key in `charge_key`) or a refund (whose
idempotency key is derived from the debit's): a writer failure refunds at once, and a
request that died in between is refunded by the orphan sweep (services/scripts/sweep.py).
Storing and refunding both take the debit's row lock and check for the other first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, GeneratedScript, LedgerKind
from v4a_portal.providers.script_writer import AdScript, Brief, ScriptWriter, WriterError
from v4a_portal.providers.writer_registry import writer_for
from v4a_portal.services import catalog, images, ledger, ledger_keys, ownership
from v4a_portal.services.errors import DomainError, InvalidInput
from v4a_portal.services.scripts import text_format
from v4a_portal.settings import get_settings

LANGUAGES = {"en", "es", "fr", "de", "it", "pt", "nl", "ja"}
DURATIONS = {4, 6, 8, 12, 15, 20, 30}
MAX_TEXT = 10_000


class ScriptFailed(DomainError):
    """The writer failed; the credits were refunded."""

    code, status = "script_failed", 503


class SameScript(DomainError):
    """A regeneration came back word for word as its parent: nothing kept, refunded."""

    code, status = "same_script", 409


@dataclass(frozen=True)
class ScriptRequest:
    image_id: int
    product: str
    audience: str | None = None
    tone: str | None = None
    language: str = "en"
    target_duration: int = 8

    def checked(self) -> ScriptRequest:
        product = (self.product or "").strip()
        if not 1 <= len(product) <= 200:
            raise InvalidInput("Product name must be 1-200 characters.")
        if self.audience and len(self.audience) > 200:
            raise InvalidInput("Audience must be at most 200 characters.")
        if self.tone and len(self.tone) > 100:
            raise InvalidInput("Tone must be at most 100 characters.")
        language = (self.language or "en").strip().lower()
        if language not in LANGUAGES:
            raise InvalidInput(f"Language must be one of {sorted(LANGUAGES)}.")
        if self.target_duration not in DURATIONS:
            raise InvalidInput(f"Target duration must be one of {sorted(DURATIONS)} seconds.")
        return ScriptRequest(
            self.image_id,
            product,
            (self.audience or "").strip() or None,
            (self.tone or "").strip() or None,
            language,
            self.target_duration,
        )


@dataclass(frozen=True)
class Generated:
    script: GeneratedScript
    credits_used: int
    balance: int


@dataclass(frozen=True)
class _Parent:
    """What a regeneration redoes: the script and its text when the new one was asked."""

    id: int
    text: str


def generate(
    user_id: int,
    request: ScriptRequest,
    *,
    parent_script_id: int | None = None,
    writer: ScriptWriter | None = None,
) -> Generated:
    """Debit, write, store. Raises InsufficientCredits (nothing spent) or ScriptFailed
    (refunded)."""
    parent = None
    if parent_script_id is not None:
        with session_scope() as session:
            found = get_owned(session, user_id, parent_script_id)
            parent = _Parent(parent_script_id, found.script_text)
    return _generate(user_id, request, parent, writer)


def _generate(
    user_id: int, request: ScriptRequest, parent: _Parent | None, writer: ScriptWriter | None
) -> Generated:
    """Debit, write, store; a regeneration identical to its parent is refunded instead
    (SameScript), under the same key as any other refund of that debit, so at most once."""
    request = request.checked()
    with session_scope() as session:
        image = images.get_owned(session, user_id, request.image_id)
        image_bytes = images.read_bytes(image)
        content_type = image.content_type or "image/jpeg"
    price = catalog.script_price()
    debit_key = ledger_keys.script_debit(user_id, uuid.uuid4().hex)
    # A regeneration is seeded by its parent and attempt: the debits asked for that parent.
    variant = f"{parent.id}:{_attempts(user_id, parent.id) + 1}" if parent else ""
    ledger.apply(
        user_id=user_id,
        delta=-price,
        kind=LedgerKind.script,
        key=debit_key,
        reference=_regeneration_of(parent.id) if parent else f"image:{request.image_id}",
    )
    writer = writer or writer_for(get_settings())
    brief = Brief(
        request.product,
        request.audience,
        request.tone,
        request.language,
        request.target_duration,
        image_bytes,
        content_type,
        variant,
    )
    try:
        script = writer.write(brief)
    except WriterError as exc:
        refund_unless_stored(debit_key, exc.code)
        raise ScriptFailed(
            f"{exc.message} Your {price} credits were refunded (balance {_balance(user_id)}).",
            code=exc.code,
        ) from exc
    except Exception:
        refund_unless_stored(debit_key, "writer_crashed")
        raise
    if parent is not None and _same_text(text_format.render(script), parent.text):
        refund_unless_stored(debit_key, "same_as_parent")
        raise SameScript(
            f"The writer came back with script #{parent.id} word for word, so nothing new "
            f"was kept and your {price} credits were refunded (balance {_balance(user_id)}). "
            "Try again, or change the brief for a new angle.",
        )
    parent_script_id = parent.id if parent else None
    try:
        return _store(user_id, request, script, writer.name, price, parent_script_id, debit_key)
    except ScriptFailed:
        raise  # the sweep refunded it first
    except Exception:
        refund_unless_stored(debit_key, "store_failed")
        raise


def _store(
    user_id: int,
    request: ScriptRequest,
    script: AdScript,
    writer_name: str,
    price: int,
    parent_script_id: int | None,
    debit_key: str,
) -> Generated:
    with session_scope() as session:
        # Under the debit's lock, so the orphan sweep cannot refund it in between.
        _lock_debit(session, debit_key)
        if _refunded(session, debit_key):
            raise ScriptFailed(
                "The script took too long to write and the request was given up; "
                f"your {price} credits were refunded. Please try again.",
                code="script_timed_out",
            )
        row = GeneratedScript(
            user_id=user_id,
            image_id=request.image_id,
            script_text=text_format.render(script),
            credits_used=price,
            product=request.product,
            audience=request.audience,
            tone=request.tone,
            language=request.language,
            target_duration=request.target_duration,
            writer=writer_name,
            parent_script_id=parent_script_id,
            charge_key=debit_key,
        )
        session.add(row)
        session.flush()
        session.refresh(row)
        return Generated(row, price, ledger.balance(session, user_id))


def refund_unless_stored(debit_key: str, why: str) -> ledger.Entry | None:
    """Refund a script debit unless a script was stored for it or it was refunded already;
    the new refund entry, or None.

    Takes the debit's row lock first, as `_store` does, so of the two exactly one wins:
    every script debit ends with one script or one refund, never both.
    """
    with session_scope() as session:
        debit = _lock_debit(session, debit_key)
        if debit is None or _refunded(session, debit_key) or _stored(session, debit_key):
            return None
        try:
            return ledger.post(
                session,
                user_id=debit.user_id,
                delta=-debit.delta,
                kind=LedgerKind.refund,
                key=ledger_keys.refund_of(debit_key),
                reference=f"script-request:{debit_key.rsplit(':', 1)[-1]}",
                note=why[:500],
            )
        except ledger.DuplicateKey:
            # Every refund is checked under the lock above; the unique key is the last guard.
            return None


def _lock_debit(session: Session, debit_key: str) -> CreditLedger | None:
    # FOR UPDATE on PostgreSQL; SQLite has no row locks but its writers are serialised
    # from BEGIN (db.py), which gives the same one-at-a-time check-then-write.
    return session.execute(
        select(CreditLedger)
        .where(
            col(CreditLedger.idempotency_key) == debit_key,
            col(CreditLedger.kind) == LedgerKind.script,
        )
        .with_for_update()
    ).scalar_one_or_none()


def _refunded(session: Session, debit_key: str) -> bool:
    return ledger.find(session, ledger_keys.refund_of(debit_key)) is not None


def _stored(session: Session, debit_key: str) -> bool:
    found = session.execute(
        select(col(GeneratedScript.id)).where(col(GeneratedScript.charge_key) == debit_key)
    ).first()
    return found is not None


def _regeneration_of(parent_id: int) -> str:
    return f"regenerate:{parent_id}"


def _attempts(user_id: int, parent_id: int) -> int:
    """How many regenerations of this script were paid for (kept, failed or refunded)."""
    with session_scope() as session:
        found = session.execute(
            select(func.count())
            .select_from(CreditLedger)
            .where(
                col(CreditLedger.user_id) == user_id,
                col(CreditLedger.kind) == LedgerKind.script,
                col(CreditLedger.reference) == _regeneration_of(parent_id),
            )
        ).scalar_one()
    return int(found)


def _same_text(new: str, old: str) -> bool:
    return " ".join(new.split()) == " ".join(old.split())


def _balance(user_id: int) -> int:
    with session_scope() as session:
        return ledger.balance(session, user_id)


def get_owned(session: Session, user_id: int, script_id: int) -> GeneratedScript:
    return ownership.get_owned(session, GeneratedScript, user_id, script_id, "script")


def regenerate(user_id: int, script_id: int, *, writer: ScriptWriter | None = None) -> Generated:
    """A new paid script from the same inputs, linked to the one it replaces."""
    with session_scope() as session:
        parent = get_owned(session, user_id, script_id)
        if parent.image_id is None:
            raise InvalidInput("The photo of this script was deleted; upload it again.")
        request = ScriptRequest(
            parent.image_id,
            parent.product or "product",
            parent.audience,
            parent.tone,
            parent.language or "en",
            parent.target_duration or 8,
        )
        redone = _Parent(script_id, parent.script_text)
    return _generate(user_id, request, redone, writer)


def edit(session: Session, user_id: int, script_id: int, text: str) -> GeneratedScript:
    """Editing is free; the text must keep the script grammar so videos can use it."""
    row = get_owned(session, user_id, script_id)
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(f"A script must be 1-{MAX_TEXT} characters.")
    if text_format.parse(text) is None:
        raise InvalidInput(
            "Keep the HOOK:, SCENE n (Ns):, ON-SCREEN:, CTA: and VIDEO PROMPT: lines "
            "so the video steps can read the script."
        )
    row.script_text = text
    session.add(row)
    session.flush()
    return row


def list_for(
    session: Session,
    user_id: int,
    *,
    image_id: int | None = None,
    search: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> tuple[list[GeneratedScript], int]:
    """The user's scripts, newest first: all of them (with or without a photo), one
    photo's, or those whose product, audience or text contain `search` (any case)."""
    query = select(GeneratedScript).where(col(GeneratedScript.user_id) == user_id)
    if image_id is not None:
        query = query.where(col(GeneratedScript.image_id) == image_id)
    words = (search or "").strip()[:200]
    if words:
        pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                *(
                    col(column).ilike(pattern, escape="\\")
                    for column in (
                        GeneratedScript.product,
                        GeneratedScript.audience,
                        GeneratedScript.script_text,
                    )
                )
            )
        )
    query = query.order_by(col(GeneratedScript.id).desc())
    return ownership.page_of(session, query, page, per_page)


def lineage(session: Session, user_id: int, script_id: int) -> list[GeneratedScript]:
    """The script and its ancestors, oldest first."""
    chain: list[GeneratedScript] = []
    current: GeneratedScript | None = get_owned(session, user_id, script_id)
    while current is not None and len(chain) < 50:
        chain.append(current)
        parent_id = current.parent_script_id
        current = session.get(GeneratedScript, parent_id) if parent_id else None
    return list(reversed(chain))
