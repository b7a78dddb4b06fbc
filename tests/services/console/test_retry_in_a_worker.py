"""Staff retries (charged, waived, in bulk) run to completion in a real worker with the draft
renderer, and the customer's progress channel (what the Library and Studio listen to) carries
each new clip from pending to completed."""

from __future__ import annotations

from tests.jobs.conftest import Workers
from tests.services.console.staff import PRICE, audit_rows, balance, ctx, paid_video, reconciled
from tests.support.factories import funded_user
from tests.support.videos import refunds, until, video
from v4a_portal.models import Role
from v4a_portal.services import progress, storage
from v4a_portal.services.console import staff_videos
from v4a_portal.services.console.staff_videos import BulkFilters


def _completed(video_id: int) -> bool:
    return video(video_id).status == "completed"


def _check_clip(video_id: int, original: int) -> None:
    row = video(video_id)
    assert (row.status, row.progress, row.retry_of_id) == ("completed", 100, original)
    assert row.file_path and storage.get_storage().exists(row.file_path)
    assert refunds(video_id) == []


def _run(workers: Workers) -> None:
    customer = funded_user(20)
    charged = paid_video(customer, "failed", error_code="provider_error")
    waived = paid_video(customer, "canceled", credits=0)
    bulk = [paid_video(customer, "failed", error_code="quota", credits=0) for _ in range(2)]
    support = ctx(Role.support)
    workers.start()
    with progress.listen(customer) as live:
        one = staff_videos.retry(support, charged, charge=True, model=None, reason="outage")
        two = staff_videos.retry(support, waived, charge=False, model="draft", reason="ours")
        many = staff_videos.bulk_retry(
            support,
            BulkFilters(error_code="quota"),
            charge=False,
            reason="quota",
            key="q",
            dry_run=False,
        )
        new = [one.video_id, two.video_id, *many.new_video_ids]
        seen: dict[int, list[str]] = {v: [] for v in new}
        until(lambda: all(_completed(v) for v in new), timeout=120, what="retries completed")
        while (event := live.get(0.5)) is not None:
            if event.get("video_id") in seen:
                seen[event["video_id"]].append(event["status"])
    for vid, statuses in seen.items():
        assert statuses[0] == "pending" and statuses[-1] == "completed", (vid, statuses)
    for vid, original in zip(new, [charged, waived, *bulk], strict=True):
        _check_clip(vid, original)
    assert balance(customer) == 20 - PRICE - PRICE  # the original and the charged retry
    assert [r.action for r in audit_rows()] == ["videos.retry", "videos.retry", "videos.bulk_retry"]
    assert reconciled() == []


def test_retries_complete_in_a_worker_on_sqlite(sqlite_db: str, workers: Workers) -> None:
    _run(workers)


def test_retries_complete_in_a_worker_on_postgres(pg_db: str, workers: Workers) -> None:
    _run(workers)
