"""The console's landing counts: what matters today, in four numbers (console.view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import func, select
from sqlmodel import col

from v4a_portal.db import session_scope
from v4a_portal.models import ACTIVE_STATUSES, CreditLedger, LedgerKind, Video, VideoStatus, utcnow
from v4a_portal.services import permissions, queues
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.redis_conn import get_redis

PERMISSION = "console.view"


@dataclass(frozen=True)
class Overview:
    failed_last_24h: int
    running: int  # pending or processing clips
    queue_depth: int | None  # jobs waiting on every RQ queue; None when Redis is down
    adjustments_today: int  # staff adjustments since midnight UTC


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def queue_depth() -> int | None:
    """Jobs waiting on the portal's queues (RQ's own lists), or None without Redis."""
    try:
        conn = get_redis()
        return sum(Queue(name, connection=conn).count for name in queues.ALL)
    except (RedisError, OSError):
        return None


def counts(ctx: StaffContext) -> Overview:
    permissions.require(ctx.actor, PERMISSION)
    now = utcnow()
    with session_scope() as session:
        failed = session.execute(
            select(func.count())
            .select_from(Video)
            .where(
                col(Video.status) == VideoStatus.failed.value,
                col(Video.completed_at) >= now - timedelta(hours=24),
            )
        ).scalar_one()
        running = session.execute(
            select(func.count()).select_from(Video).where(col(Video.status).in_(ACTIVE_STATUSES))
        ).scalar_one()
        adjustments = session.execute(
            select(func.count())
            .select_from(CreditLedger)
            .where(
                col(CreditLedger.kind) == LedgerKind.staff_adjustment.value,
                col(CreditLedger.created_at) >= start_of_day(now),
            )
        ).scalar_one()
    return Overview(int(failed), int(running), queue_depth(), int(adjustments))
