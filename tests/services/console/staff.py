"""Builders the staff-console tests share: staff members, their context, paid videos in any
state, and the audit rows an action wrote."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.support.factories import funded_user
from tests.support.videos import photo
from v4a_portal.db import session_scope
from v4a_portal.models import AuditLog, LedgerKind, Role, User, Video, VideoStatus, utcnow
from v4a_portal.services import ledger
from v4a_portal.services.console.context import StaffContext

PRICE = 4  # the draft model, 4 s: 1 credit a second


def staff(role: Role | str, credits: int = 0) -> User:
    """A user with `role` (customers too: the matrix's first row)."""
    user_id = funded_user(credits, email=f"{Role(role).value}-{uuid.uuid4().hex[:8]}@test.example")
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.role = Role(role).value
        session.add(user)
        session.flush()
        session.refresh(user)
        session.expunge(user)
        return user


def ctx(role: Role | str = Role.admin) -> StaffContext:
    return StaffContext(staff(role), ip="203.0.113.7", user_agent="pytest-console")


def paid_video(
    user_id: int,
    status: VideoStatus | str = VideoStatus.pending,
    *,
    credits: int = PRICE,
    image_id: int | None = None,
    **columns: object,
) -> int:
    """A video paid for through the ledger (as a request would), in `status`, with no
    refund: a failed or canceled one is one that was "somehow not refunded"."""
    image_id = image_id or photo(user_id)
    with session_scope() as session:
        batch = uuid.uuid4().hex
        if credits:
            ledger.post(
                session,
                user_id=user_id,
                delta=-credits,
                kind=LedgerKind.video,
                key=f"videos:{batch}",
                reference=f"batch:{batch}",
            )
        row = Video(
            user_id=user_id,
            image_id=image_id,
            prompt="A mug at sunrise",
            model="draft",
            provider="draft",
            duration=4,
            size="720x1280",
            credits_used=credits,
            batch_id=batch,
            status=VideoStatus(status).value,
            **columns,  # type: ignore[arg-type]
        )
        if row.status != VideoStatus.pending.value and row.status != VideoStatus.processing.value:
            row.completed_at = utcnow()
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def audit_rows(action: str | None = None) -> list[AuditLog]:
    with session_scope() as session:
        query = select(AuditLog).order_by(AuditLog.id)
        if action:
            query = query.where(AuditLog.action == action)
        return list(session.execute(query).scalars())


def audit_count() -> int:
    with session_scope() as session:
        return int(session.execute(select(func.count()).select_from(AuditLog)).scalar_one())


def balance(user_id: int) -> int:
    with session_scope() as session:
        return ledger.balance(session, user_id)


def reconciled() -> list[ledger.Mismatch]:
    with session_scope() as session:
        return ledger.reconcile(session)
