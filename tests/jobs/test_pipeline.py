"""The whole pipeline in a real worker with the draft renderer: POST generate → RQ job →
render → MP4 and thumbnail in storage, watched live over SSE until the stream closes."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image

from tests.api.conftest import bearer, make_user
from tests.api.test_sse import read_events
from tests.jobs.conftest import Workers, generations
from tests.support.mp4 import probe
from tests.support.videos import photo, refunds, script, video
from v4a_portal.db import session_scope
from v4a_portal.services import ledger, storage


def _generate_and_watch(client: TestClient, workers: Workers, size: str) -> int:
    user = make_user()
    assert user.id is not None
    image = photo(user.id)
    sid = script(user.id, image)
    workers.start()
    response = client.post(
        "/api/v1/ai/generate-video",
        headers=bearer(user),
        json={"image_id": image, "script_id": sid, "model": "draft", "duration": 4, "size": size},
    )
    assert response.status_code == 202, response.text
    (vid,) = response.json()["video_ids"]

    with client.stream("GET", f"/api/v1/videos/{vid}/events", headers=bearer(user)) as stream:
        seen = [e for e in read_events(stream) if e.kind != "comment"]  # until it closes

    assert seen[0].kind == "snapshot" and seen[-1].kind == "status"
    assert seen[-1].data and seen[-1].data["status"] == "completed", seen[-1]
    percents = [e.data["progress"] for e in seen if e.data]
    assert percents == sorted(percents) and percents[-1] == 100
    # it really moved: progress was published mid-render, not only at the ends (how many
    # steps show depends on how fast the machine renders against the watcher's tick)
    assert any(0 < p < 100 for p in percents), percents
    return vid


def _check_stored_clip(vid: int, size: str) -> None:
    row = video(vid)
    assert (row.status, row.progress, row.attempts, row.error_code) == ("completed", 100, 1, None)
    assert row.file_path and storage.get_storage().exists(row.file_path)
    clip = probe(storage.local_storage().path(row.file_path))
    width, height = (int(n) for n in size.split("x"))
    assert (clip.codec, clip.pix_fmt, clip.width, clip.height) == ("h264", "yuv420p", width, height)
    assert abs(clip.duration - 4) < 0.2 and clip.faststart
    thumb: Path = storage.local_storage().path(storage.thumbnail_key(row.file_path))
    with Image.open(thumb) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.width == 480
    assert generations() == 1 and refunds(vid) == []
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def test_portrait_clip_on_sqlite(api_client: TestClient, workers: Workers) -> None:
    vid = _generate_and_watch(api_client, workers, "720x1280")
    _check_stored_clip(vid, "720x1280")


def test_landscape_clip_on_postgres(pg_api_client: TestClient, workers: Workers) -> None:
    vid = _generate_and_watch(pg_api_client, workers, "1280x720")
    _check_stored_clip(vid, "1280x720")
