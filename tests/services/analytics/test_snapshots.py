"""Precomputed reports: the maintenance sweep stores the standard windows; requests for
them are served the stored figures while fresh, anything else is computed live."""

from __future__ import annotations

from datetime import timedelta

from rq import Queue
from sqlalchemy import func, select, update

from jobs import maintenance
from tests import analytics_data as data
from tests.api.conftest import settings_env
from v4a_portal.db import session_scope
from v4a_portal.models import AnalyticsSnapshot, Role, User, Video, utcnow
from v4a_portal.services.analytics import reports, snapshots
from v4a_portal.services.analytics.filters import Filters


def _admin() -> User:
    with session_scope() as session:
        user = User(email="boss@test.example", role=Role.admin.value)
        session.add(user)
        session.flush()
        return user


def _requested(f: Filters) -> tuple[int, str]:
    with session_scope() as session:
        admin = session.execute(select(User).where(User.role == Role.admin.value)).scalar_one()
        report = reports.run(session, admin, "overview", f)
    figures = {x["figure"]: x["value"] for x in report["figures"]}
    return int(figures["clips_requested"]), str(report["source"])


def test_standard_windows_are_served_from_the_last_refresh(any_db: str, redis_conn) -> None:  # type: ignore[no-untyped-def]
    _admin()
    data.build()
    with session_scope() as session:  # the finished clips are today's: in the 30-day window
        session.execute(
            update(Video).where(Video.status == "completed").values(created_at=utcnow())
        )
    f = Filters.from_query({"window": "30d"})
    assert _requested(f) == (4, "live")
    # The maintenance sweep enqueues one refresh (nothing stored yet: all due) ...
    assert maintenance.sweep()["analytics_refresh_enqueued"] is True
    assert maintenance.sweep()["analytics_refresh_enqueued"] is False  # once per interval
    (job,) = Queue(maintenance.ANALYTICS_QUEUE, connection=redis_conn).jobs
    assert job.func_name == "jobs.maintenance.refresh_analytics"
    # ... which a worker runs: every standard report stored.
    assert maintenance.refresh_analytics() == len(snapshots._plan())
    assert not snapshots.due()
    with session_scope() as session:
        session.execute(update(Video).values(created_at=utcnow()))  # 6 clips now
    assert _requested(f) == (4, "snapshot")  # the figures of the refresh
    assert _requested(Filters.from_query({"window": "30d", "model": "draft"}))[1] == "live"
    assert _requested(Filters.from_query({"window": "7d"})) == (6, "live")
    # A refresh older than two intervals is not served; the next due sweep renews it.
    with session_scope() as session:
        session.execute(
            update(AnalyticsSnapshot).values(computed_at=utcnow() - timedelta(minutes=31))
        )
    assert _requested(f) == (6, "live")
    with settings_env(V4A_ANALYTICS_REFRESH_MINUTES="15"):
        assert snapshots.due()
        assert maintenance.refresh_analytics() == len(snapshots._plan())
    assert _requested(f) == (6, "snapshot")
    with session_scope() as session:
        count = session.execute(select(func.count()).select_from(AnalyticsSnapshot)).scalar_one()
    assert count == len(snapshots._plan())  # replaced, not added
