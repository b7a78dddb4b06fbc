"""The video RQ job: one per video, safe to run twice and resumable.

    lease → start (attempt counted) → submit the generation once, store its id (commit)
    → poll, publishing progress → download → check + thumbnail → storage → completed

An RQ job that finds a generation id on the row resumes polling it: a retry, a re-enqueue
after a crash or a Redis restart never pays for a second generation. Transient errors are
raised for RQ to retry with backoff (rq_jobs.retry_policy); a permanent error, a failed
generation, the last retry failing or timing out marks the video failed and refunds it in
one transaction. A cancel or the deadline sweep ends the video in the database; the RQ job
sees the row is no longer active at its next progress write (about a second) and stops.

The thumbnail is the provider's own when it has one (its index checked in Python, no
ffmpeg); otherwise one ffmpeg run reads the file and draws its first frame.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rq import get_current_job
from rq.job import Job
from rq.timeouts import JobTimeoutException

from jobs import in_flight
from jobs.lease import Lease
from v4a_portal.models import VideoStatus
from v4a_portal.providers.video_provider import (
    Caption,
    GenerationSpec,
    GenerationState,
    GenerationStatus,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
    VideoProvider,
)
from v4a_portal.services import notices, progress, queues, storage
from v4a_portal.services.errors import InvalidInput, NotFound
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.scripts import text_format
from v4a_portal.services.videos import events as video_events
from v4a_portal.services.videos import files as video_files
from v4a_portal.services.videos import generations, rq_jobs, transitions
from v4a_portal.services.videos.transitions import StartedVideo
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)

# Local renders (by model id) are polled often, so bars move smoothly; remote APIs per the
# setting.
_POLL_SECONDS = {"draft": 0.5}
_WRITE_EVERY = 1.0  # seconds between progress writes to the row
STOPPED = "stopped: the video was ended elsewhere (canceled, timed out) or taken over"
HANDED = "in flight: the worker's watcher carries the clip on"


def generate_video(video_id: int) -> str:
    """The RQ entry point; returns what happened (kept as the job's result).

    In a worker (jobs/worker.py) the clip is handed to the worker's in-flight watcher, which
    submits, polls and finishes it without holding the worker: the RQ job ends at once.
    Called anywhere else (an operator, a test), it runs the clip to its end here."""
    rq_job = get_current_job()
    deadline = _deadline(rq_job)
    lease = Lease(get_redis(), rq_jobs.lease_key(video_id), get_settings().video_lease_seconds)
    if not lease.acquire():
        return "busy: another job holds this video"
    handed = False
    try:
        watcher = in_flight.current()
        rq_job_id = rq_job.id if rq_job else None
        # With a watcher the clip stays queued until a provider slot lets it submit.
        video = transitions.start(video_id, rq_job_id, processing=watcher is None)
        if video is None:
            return "nothing to do"
        if watcher is not None:
            timeout = int(rq_job.timeout) if rq_job and rq_job.timeout else None
            watcher.watch(
                video,
                lease,
                tries_left=_tries_left(rq_job),
                timeout=timeout,
                priority=rq_job is not None and rq_job.origin == queues.VIDEOS_PRIORITY,
                rq_job_id=rq_job.id if rq_job else None,
            )
            handed = True
            return HANDED
        return _run(video, lease, last_try=_last_try(rq_job), deadline=deadline)
    finally:
        if not handed:
            lease.release()


def _tries_left(rq_job: Job | None) -> int:
    return int(rq_job.retries_left or 0) if rq_job is not None else 0


def _last_try(rq_job: Job | None) -> bool:
    return rq_job is None or not rq_job.retries_left


def _deadline(rq_job: Job | None) -> float | None:
    """When the job's timeout runs out (monotonic clock). RQ's alarm raises
    JobTimeoutException at that moment, but in the worker's own process a broad `except`
    on the way (an SDK's retry loop) could swallow it: the poll loop checks this too."""
    if rq_job is None or not rq_job.timeout or int(rq_job.timeout) < 0:
        return None
    return time.monotonic() + int(rq_job.timeout)


def guarded(video: StartedVideo, work: Callable[[], str], *, last_try: bool) -> str:
    """Run `work` (a step of the clip) and turn what it raises into the clip's ending: a
    permanent error fails and refunds it; a transient one or a timeout is raised again for
    a later try (RQ's retry, or the in-flight watcher's backoff) unless this is the last."""
    try:
        return work()
    except JobTimeoutException:  # the job outlived the model's timeout
        if not last_try:
            raise  # retried with backoff; the next try resumes the same generation
        return _give_up(video, "timed_out", notices.TIMED_OUT, outcome="failed: timed out")
    except InvalidInput as exc:  # the model was switched off since the request
        transitions.fail(video.id, "model_unavailable", notices.refunded(exc.message))
        return "failed: model unavailable"
    except ProviderError as exc:
        if exc.permanent:  # the provider refused or ended it: nothing left running there
            transitions.fail(video.id, exc.code, notices.refunded(exc.message))
            return f"failed: {exc.code}"
        if not last_try:
            raise  # retried with backoff; the next try resumes
        return _give_up(
            video, exc.code, notices.refunded(exc.message), outcome=f"failed: {exc.code}"
        )
    except Exception:
        if not last_try:
            raise
        log.exception("video %s failed on its last try", video.id)
        message = notices.GENERATION_FAILED
        return _give_up(video, "internal_error", message, outcome="failed: internal error")


def _run(
    video: StartedVideo, lease: Lease, *, last_try: bool, deadline: float | None = None
) -> str:
    """The whole clip in this thread (no watcher): submit, wait, finish."""
    return guarded(video, lambda: _generate(video, lease, deadline), last_try=last_try)


def _give_up(video: StartedVideo, code: str, message: str, *, outcome: str) -> str:
    """Fail and refund the video, and stop its generation at the provider: it may still be
    running there, and nobody will collect it."""
    ended = transitions.fail(video.id, code, message)
    if ended is not None and ended.generation_id:
        generations.cancel_generation(ended.model, ended.generation_id)
    return outcome


def _generate(video: StartedVideo, lease: Lease, deadline: float | None = None) -> str:
    provider = generations.provider_for_model(video.model)
    generation_id = video.generation_id
    if generation_id is None:
        generation_id = submit(video, provider)
        if generation_id is None:
            return STOPPED
    status = _wait(video, provider, generation_id, lease, deadline)
    if status is None:
        return STOPPED
    return settle(video, provider, generation_id, status)


def submit(video: StartedVideo, provider: VideoProvider, *, queued: bool = False) -> str | None:
    """Start the paid generation and commit its id before anything waits on it; None when
    the clip ended meanwhile (the generation is stopped again). `queued`: the clip was left
    pending until now, and its pages are told it runs."""
    generation_id = provider.submit(generation_spec(video))
    if not transitions.store_generation(video.id, generation_id, announce=queued):
        generations.cancel_generation(video.model, generation_id)
        return None
    return generation_id


def settle(
    video: StartedVideo, provider: VideoProvider, generation_id: str, status: GenerationStatus
) -> str:
    """End the clip by its generation's final status: store it, or fail or cancel it."""
    if status.state == GenerationState.succeeded:
        return _store(video, provider, generation_id)
    message = notices.refunded(status.error_message or notices.NOT_GENERATED)
    if status.state == GenerationState.canceled:
        ended = transitions.finish(video.id, VideoStatus.canceled, "provider_canceled", message)
    else:
        ended = transitions.fail(video.id, status.error_code or "generation_failed", message)
    if ended is None:
        return STOPPED  # the provider job ended because the video was canceled here
    return f"{ended.payload['status']}: {ended.payload['error_code']}"


def poll_every(model: str) -> float:
    return _POLL_SECONDS.get(model, get_settings().video_poll_seconds)


def _wait(
    video: StartedVideo,
    provider: VideoProvider,
    generation_id: str,
    lease: Lease,
    deadline: float | None = None,
) -> GenerationStatus | None:
    """Poll until the generation is done; None when the job must stop (the video was
    canceled or failed meanwhile, or another job took the lease). Raises
    JobTimeoutException past `deadline`."""
    every = poll_every(video.model)
    reporter = Progress(video)
    while not lease.lost.is_set():
        if deadline is not None and time.monotonic() > deadline:
            raise JobTimeoutException(f"video {video.id}: past the job's timeout")
        status = provider.poll(generation_id)
        if status.done:
            return status
        if not reporter.update(status.progress):
            generations.cancel_generation(video.model, generation_id)
            return None
        lease.lost.wait(every)
    return None


class Progress:
    """Publishes every change, writes the row at most once a second (and learns from that
    write whether the video is still active)."""

    def __init__(self, video: StartedVideo) -> None:
        self.video = video
        self.percent = video.progress
        self.written_at = 0.0

    def update(self, percent: int) -> bool:
        percent = max(0, min(99, int(percent)))  # 100 means stored and playable
        if percent > self.percent:
            self.percent = percent
            progress.publish(
                self.video.user_id,
                video_events.progress_event(self.video.id, self.video.batch_id, percent),
            )
        now = time.monotonic()
        if now - self.written_at < _WRITE_EVERY:
            return True
        self.written_at = now
        return transitions.record_progress(self.video.id, self.percent)


def _store(video: StartedVideo, provider: VideoProvider, generation_id: str) -> str:
    store = storage.get_storage()
    with tempfile.TemporaryDirectory(prefix="v4a-video-") as tmp:
        mp4, jpg = Path(tmp) / "video.mp4", Path(tmp) / "thumb.jpg"
        provider.download(generation_id, mp4)  # retried on its own: never regenerates
        try:
            if _provider_thumbnail(provider, generation_id, jpg):
                video_files.inspect(mp4)  # its index, in Python: no ffmpeg run
            else:
                video_files.thumbnail(mp4, jpg)  # reads the file and draws the first frame
        except video_files.UnreadableVideo as exc:
            raise TransientProviderError(
                "The finished video could not be read.", code="unreadable_video"
            ) from exc
        key = storage.video_key(video.user_id)
        store.put_file(key, mp4, "video/mp4")
        store.put_file(storage.thumbnail_key(key), jpg, "image/jpeg")
    if not transitions.complete(video.id, key):
        store.delete(key)  # canceled meanwhile and refunded: keep nothing
        store.delete(storage.thumbnail_key(key))
        return STOPPED
    return "completed"


def _provider_thumbnail(provider: VideoProvider, generation_id: str, dest: Path) -> bool:
    """The provider's own thumbnail (an optional capability, see VideoProvider), made a JPEG
    of the stored width; False when it has none or it failed: ffmpeg draws one instead."""
    thumbnail = getattr(provider, "thumbnail", None)
    if thumbnail is None:
        return False
    try:
        if not thumbnail(generation_id, dest):
            return False
    except Exception as exc:  # a nicety: never fail or retry a paid video over it
        log.warning("provider thumbnail of %s failed: %s", generation_id, exc)
        return False
    return video_files.fit_thumbnail(dest)


def generation_spec(video: StartedVideo) -> GenerationSpec:
    if video.image_key is None:
        raise PermanentProviderError("The photo of this clip was deleted.", code="photo_deleted")
    try:
        image = storage.get_storage().read_bytes(video.image_key)
    except NotFound as exc:
        raise PermanentProviderError(
            "The photo of this clip is missing.", code="photo_missing"
        ) from exc
    return GenerationSpec(
        model=video.model,
        prompt=video.prompt,
        duration=video.duration,
        size=video.size,
        image_bytes=image,
        image_content_type=video.image_content_type or "image/jpeg",
        captions=captions(video.script_text, video.duration),
    )


def captions(script_text: str | None, duration: int) -> tuple[Caption, ...]:
    """The script's on-screen lines, its scenes stretched or squeezed to the video's length."""
    script = text_format.parse(script_text) if script_text else None
    if script is None:
        return ()
    scale = duration / sum(scene.seconds for scene in script.scenes)
    found: list[Caption] = []
    start = 0.0
    for scene in script.scenes:
        end = start + scene.seconds * scale
        if scene.on_screen_text.strip():
            found.append(Caption(round(start, 2), round(end, 2), scene.on_screen_text.strip()))
        start = end
    return tuple(found)
