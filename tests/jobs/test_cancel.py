"""Cancel against a real worker and the draft renderer: queued and running clips are
refunded once, the render is stopped at the provider, the job stops and stores nothing."""

from __future__ import annotations

from tests.jobs.conftest import Workers, generations
from tests.support.factories import funded_user
from tests.support.videos import photo, refunds, until, video
from v4a_portal.db import session_scope
from v4a_portal.providers.draft_renderer import DraftRenderer, RenderDir
from v4a_portal.providers.video_provider import GenerationState
from v4a_portal.services import ledger, storage, videos
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.videos import rq_jobs
from v4a_portal.settings import get_settings


def test_cancel_queued_and_running(sqlite_db: str, workers: Workers) -> None:
    user = funded_user(100)
    running, queued = videos.request(
        user, photo(user), None, "p", "draft", 12, "720x1280", 2
    ).video_ids
    assert videos.cancel(user, queued).balance == 88  # before any worker: 12 back
    workers.start()
    until(lambda: video(running).progress >= 5, 60, "rendering")
    provider_job_id = video(running).provider_job_id
    assert provider_job_id is not None

    assert videos.cancel(user, running).balance == 100

    renders = DraftRenderer(get_settings().data_dir / "renders")
    assert renders.poll(provider_job_id).state is GenerationState.canceled
    assert RenderDir(renders.root / provider_job_id).canceled.exists()
    # The job notices, stops and lets go of the clip; nothing is stored, nothing more paid.
    until(lambda: not get_redis().exists(rq_jobs.lease_key(running)), 10, "job stopped")
    for vid in (running, queued):
        row = video(vid)
        assert (row.status, row.file_path) == ("canceled", None)
        assert len(refunds(vid)) == 1
    assert generations() == 1
    assert not list((storage.local_storage().root / "videos").rglob("*.mp4"))
    with session_scope() as session:
        assert ledger.reconcile(session) == []
