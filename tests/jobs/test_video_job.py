"""The clip job's own logic, run in-process against a scripted provider: resume instead of a
second generation, fail + refund once, retries, cancel while running, the lease, progress
messages. The same job in a real worker with the draft renderer: tests/jobs/."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from redis import Redis
from rq import Queue
from rq.timeouts import JobTimeoutException

from jobs import video as video_job
from jobs.lease import Lease
from tests.support.factories import funded_user
from tests.support.mp4 import probe, sample_mp4
from tests.support.videos import FakeProvider, photo, refunds, script, until, video
from v4a_portal.db import session_scope
from v4a_portal.providers.video_provider import (
    GenerationState,
    GenerationStatus,
    PermanentProviderError,
    TransientProviderError,
)
from v4a_portal.services import ledger, progress, storage, videos
from v4a_portal.services.videos import files as video_files
from v4a_portal.services.videos import generations, rq_jobs, transitions


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeProvider]:
    fake = FakeProvider()
    monkeypatch.setattr(generations, "provider_for_model", lambda model_id: fake)
    monkeypatch.setitem(video_job._POLL_SECONDS, "draft", 0.01)
    yield fake


def _clip(user: int, count: int = 1, script_id: int | None = None) -> list[int]:
    image = photo(user)
    return videos.request(
        user, image, script_id, None if script_id else "p", "draft", 4, "720x1280", count
    ).video_ids


def _clean() -> None:
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def test_completes_with_file_thumbnail_and_progress_messages(
    any_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    provider.polls = 4
    user = funded_user(100)
    image = photo(user)
    vid = _clip(user, script_id=script(user, image))[0]
    with progress.listen(user) as listener:
        assert video_job.generate_video(vid) == "completed"
        seen = []
        while (event := listener.get(0.5)) is not None:
            if event["video_id"] == vid:  # the channel is the user's, shared by their clips
                seen.append(event)

    row = video(vid)
    assert (row.status, row.progress, row.attempts) == ("completed", 100, 1)
    assert row.file_path and row.thumbnail_url and row.video_url
    store = storage.get_storage()
    assert store.exists(row.file_path) and store.exists(storage.thumbnail_key(row.file_path))
    assert probe(storage.local_storage().path(row.file_path)).codec == "h264"
    # One generation, asked with the photo and the script's captions scaled to 4 s.
    (spec,) = provider.submitted
    assert spec.image_content_type == "image/jpeg" and spec.duration == 4
    assert [(c.start, c.end, c.text) for c in spec.captions] == [
        (0.0, 3.0, "Hot for 12 hours"),
        (3.0, 4.0, "Order yours today"),
    ]
    assert [(e["status"], e["progress"]) for e in seen] == [
        ("processing", 0),
        ("processing", 25),
        ("processing", 50),
        ("processing", 75),
        ("completed", 100),
    ]
    assert seen[-1]["video_url"] == store.url(row.file_path)
    assert refunds(vid) == []


def test_a_stored_provider_job_is_resumed_not_paid_again(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    user = funded_user(100)
    vid = _clip(user)[0]
    assert transitions.start(vid, None) is not None
    assert transitions.store_generation(vid, "earlier-generation")

    assert video_job.generate_video(vid) == "completed"

    assert provider.submitted == [] and provider.polled == {"earlier-generation": 3}
    assert video(vid).attempts == 2


def test_permanent_error_fails_and_refunds_once(
    any_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    provider.fail_with = PermanentProviderError("Blocked by safety rules.", code="safety")
    user = funded_user(100)
    vid = _clip(user)[0]

    assert video_job.generate_video(vid) == "failed: safety"
    assert video_job.generate_video(vid) == "nothing to do"

    row = video(vid)
    assert (row.status, row.error_code) == ("failed", "safety")
    assert row.error_message == "Blocked by safety rules. Your credits were refunded."
    assert len(refunds(vid)) == 1
    _clean()


def test_generation_failure_reported_by_the_provider_refunds(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    provider.outcome = GenerationStatus(
        GenerationState.failed, 40, "render_lost", "The render stopped."
    )
    user = funded_user(100)
    vid = _clip(user)[0]
    assert video_job.generate_video(vid) == "failed: render_lost"
    assert video(vid).status == "failed" and len(refunds(vid)) == 1


def test_transient_errors_are_retried_by_rq_then_fail_on_the_last_try(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    provider.fail_with = TransientProviderError("Rate limited.", code="rate_limited")
    user = funded_user(100)
    vid = _clip(user)[0]
    job = Queue("videos", connection=redis_conn).fetch_job(f"video-{vid}-1")
    assert job is not None

    clip = transitions.start(vid, job.id)
    assert clip is not None
    with pytest.raises(TransientProviderError):  # a retry is left: RQ schedules it
        video_job._run(clip, _lease(redis_conn, vid), last_try=False)
    assert video(vid).status == "processing" and refunds(vid) == []

    clip = transitions.start(vid, job.id)
    assert clip is not None
    assert video_job._run(clip, _lease(redis_conn, vid), last_try=True) == "failed: rate_limited"
    assert video(vid).status == "failed" and len(refunds(vid)) == 1


def test_past_its_deadline_a_job_stops_even_if_the_alarm_was_swallowed(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    """The poll loop checks the job's own deadline: a retry is left → RQ retries it (nothing
    ended, nothing refunded); the last try fails + refunds and stops the provider's job."""
    provider.polls = 10_000  # a generation that never ends
    user = funded_user(100)
    vid = _clip(user)[0]

    clip = transitions.start(vid, None)
    assert clip is not None
    with pytest.raises(JobTimeoutException):
        video_job._run(clip, _lease(redis_conn, vid), last_try=False, deadline=_soon())
    assert video(vid).status == "processing" and refunds(vid) == [] and provider.canceled == []

    clip = transitions.start(vid, None)
    assert clip is not None and clip.generation_id  # the retry resumes the same generation
    outcome = video_job._run(clip, _lease(redis_conn, vid), last_try=True, deadline=_soon())
    row = video(vid)
    assert outcome == "failed: timed out"
    assert (row.status, row.error_code) == ("failed", "timed_out")
    assert len(refunds(vid)) == 1 and len(provider.submitted) == 1
    assert provider.canceled == [clip.generation_id]
    _clean()


def test_a_transient_error_on_the_last_try_stops_the_providers_job(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(job_id: str) -> GenerationStatus:
        raise TransientProviderError("The provider is unreachable.", code="provider_unreachable")

    monkeypatch.setattr(provider, "poll", unreachable)
    user = funded_user(100)
    vid = _clip(user)[0]
    clip = transitions.start(vid, None)
    assert clip is not None
    outcome = video_job._run(clip, _lease(redis_conn, vid), last_try=True)
    assert outcome == "failed: provider_unreachable" and len(refunds(vid)) == 1
    assert provider.canceled == [video(vid).provider_job_id]


def _soon() -> float:
    return time.monotonic() + 0.3


def _lease(conn: Redis, vid: int) -> Lease:
    return Lease(conn, rq_jobs.lease_key(vid), 5)


def test_too_many_attempts_fail_and_refund(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    user = funded_user(100)
    vid = _clip(user)[0]
    for _ in range(6):
        assert transitions.start(vid, None) is not None
    assert transitions.start(vid, None) is None
    row = video(vid)
    assert (row.status, row.error_code) == ("failed", "too_many_attempts")
    assert len(refunds(vid)) == 1


def test_cancel_while_running_stops_the_job_and_the_provider(
    any_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    provider.polls = 10_000
    user = funded_user(100)
    vid = _clip(user)[0]
    result: list[str] = []
    runner = threading.Thread(target=lambda: result.append(video_job.generate_video(vid)))
    runner.start()
    until(lambda: video(vid).provider_job_id is not None, what="submitted")
    until(lambda: video(vid).progress > 0, what="progress written")

    canceled = videos.cancel(user, vid)
    runner.join(10)

    assert result == [video_job.STOPPED]
    assert canceled.video.status == "canceled" and canceled.balance == 100
    assert provider.canceled.count(video(vid).provider_job_id or "") >= 1
    assert len(refunds(vid)) == 1 and video(vid).file_path is None
    _clean()


def test_a_held_lease_keeps_a_second_job_off_the_clip(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    user = funded_user(100)
    vid = _clip(user)[0]
    redis_conn.set(rq_jobs.lease_key(vid), "another-job", ex=30)
    assert video_job.generate_video(vid) == "busy: another job holds this video"
    assert video(vid).attempts == 0 and provider.submitted == []


def test_a_superseded_job_round_does_nothing(
    sqlite_db: str, redis_conn: Redis, provider: FakeProvider
) -> None:
    user = funded_user(100)
    vid = _clip(user)[0]
    with session_scope() as session:
        row = videos.get_owned(session, user, vid)
        row.rq_job_id = rq_jobs.rq_job_id(vid, 2)  # the sweep moved it on
    assert transitions.start(vid, rq_jobs.rq_job_id(vid, 1)) is None
    assert video(vid).attempts == 0 and provider.submitted == []


@dataclass
class ThumbnailProvider(FakeProvider):
    """A provider with the optional thumbnail capability (a full-size PNG, as some APIs
    hand back), whose download may be broken."""

    still: bool = True
    broken_download: bool = False

    def download(self, job_id: str, dest: Path) -> None:
        if not self.broken_download:
            dest.write_bytes(sample_mp4())
        elif self.still:  # cut short: the index check sees the missing bytes
            dest.write_bytes(sample_mp4()[:-100])
        else:  # ffmpeg decodes what it can, so: an error page saved as the clip
            dest.write_bytes(b"<html>Bad gateway</html>")

    def thumbnail(self, job_id: str, dest: Path) -> bool:
        if not self.still:  # as a provider may say when it has none for this clip
            return False
        Image.new("RGB", (720, 1280), (10, 20, 30)).save(dest, "PNG")
        return True


@pytest.fixture
def thumb_provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThumbnailProvider]:
    fake = ThumbnailProvider(polls=1)
    monkeypatch.setattr(generations, "provider_for_model", lambda model_id: fake)
    yield fake


def _stored_thumbnail(vid: int) -> tuple[str | None, tuple[int, int], tuple[int, int, int]]:
    row = video(vid)
    assert row.file_path
    with Image.open(storage.local_storage().path(storage.thumbnail_key(row.file_path))) as jpeg:
        middle = (jpeg.width // 2, jpeg.height // 2)
        return jpeg.format, jpeg.size, jpeg.convert("RGB").getpixel(middle)


def test_the_providers_thumbnail_is_stored_as_a_jpeg_without_running_ffmpeg(
    sqlite_db: str,
    redis_conn: Redis,
    thumb_provider: ThumbnailProvider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_ffmpeg(*args: object) -> None:
        raise AssertionError("ffmpeg ran")

    monkeypatch.setattr(video_files, "_ffmpeg", no_ffmpeg)
    vid = _clip(funded_user(100))[0]
    assert video_job.generate_video(vid) == "completed"
    fmt, size, pixel = _stored_thumbnail(vid)
    assert (fmt, size) == ("JPEG", (480, 854))
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, (10, 20, 30), strict=True))


def test_without_a_provider_thumbnail_ffmpeg_draws_the_first_frame(
    sqlite_db: str, redis_conn: Redis, thumb_provider: ThumbnailProvider
) -> None:
    thumb_provider.still = False
    vid = _clip(funded_user(100))[0]
    assert video_job.generate_video(vid) == "completed"
    fmt, size, _ = _stored_thumbnail(vid)
    assert (fmt, size) == ("JPEG", (160, 90))  # the sample clip's own frame, not wider


@pytest.mark.parametrize("still", [True, False], ids=["index-check", "ffmpeg"])
def test_a_broken_download_is_rejected_and_refunded_on_the_last_try(
    sqlite_db: str, redis_conn: Redis, thumb_provider: ThumbnailProvider, still: bool
) -> None:
    thumb_provider.still, thumb_provider.broken_download = still, True
    vid = _clip(funded_user(100))[0]
    clip = transitions.start(vid, None)
    assert clip is not None
    with pytest.raises(TransientProviderError) as caught:  # retried: the download may heal
        video_job._run(clip, _lease(redis_conn, vid), last_try=False)
    assert caught.value.code == "unreadable_video"
    assert video(vid).status == "processing" and refunds(vid) == []

    assert video_job.generate_video(vid) == "failed: unreadable_video"  # the last try
    row = video(vid)
    assert (row.status, row.file_path) == ("failed", None) and len(refunds(vid)) == 1
    assert len(thumb_provider.submitted) == 1  # one generation, however it ends
    _clean()
