"""A worker's in-flight watcher: every clip the worker took, from submit to its end, without
holding the worker while providers work.

An RQ job (jobs/video.py) takes the clip's lease and hands the clip here; the job ends at
once and the worker serves the next one. One thread ticks over the watched clips and a few
pool threads do each clip's next short step: take a provider slot and submit (the id is
committed before any wait), poll and publish progress, and when the provider is done,
store or fail the clip. So one worker keeps hundreds of generations in flight with a small
constant cost per clip, and draft renders start as soon as a slot of the machine is free.

Every guarantee of the synchronous job holds: the watcher renews the leases (in one pass)
and the provider slots; a clip whose lease is lost is dropped untouched; a cancel or the
deadline sweep is seen at the next progress write; transient errors back off like RQ's
retries and the last one fails and refunds once (jobs/video.guarded). If the worker dies,
its leases lapse (or its holder is seen dead by the next sweep on this machine), the sweep
enqueues each clip again and the next job resumes the stored generation.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from rq.timeouts import JobTimeoutException

from jobs.lease import Lease
from v4a_portal.providers.video_provider import ProviderError
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.videos import generations, provider_slots, rq_jobs, transitions
from v4a_portal.services.videos.transitions import StartedVideo
from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")

TICK_SECONDS = 0.1
SLOT_WAIT_SECONDS = 1.0  # how often a clip waiting for a provider slot asks again
WAITING = "waiting"  # a step's outcome when the clip goes on

_current: InFlight | None = None


def current() -> InFlight | None:
    """The watcher of this worker process, if it runs one."""
    return _current


@dataclass(eq=False)
class Watched:
    video: StartedVideo
    lease: Lease
    provider: str
    timeout: float | None  # seconds a try may take (the model's job timeout)
    tries_left: int
    generation_id: str | None
    every: float
    deadline: float | None = None
    next_at: float = 0.0
    busy: bool = False
    has_slot: bool = False
    failures: int = 0
    progress: object = None  # jobs.video.Progress, made on the first poll
    priority: bool = False  # a subscriber's: takes a free provider slot first
    rq_job_id: str | None = None  # the job round that handed it over
    again: bool = False  # a retry is due: it counts an attempt, as an RQ retry would
    seq: int = 0  # order of arrival, among clips of the same priority


class InFlight:
    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or get_settings().in_flight_threads
        self._watched: dict[int, Watched] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="in-flight")
        self._thread = threading.Thread(target=self._loop, name="in-flight", daemon=True)
        self._renew_every = max(get_settings().video_lease_seconds / 3, 0.2)
        self._changed = threading.Event()  # the set of clips changed: record it for staff
        self._arrivals = itertools.count()

    def start(self) -> InFlight:
        global _current
        _current = self
        self._thread.start()
        return self

    def __len__(self) -> int:
        return len(self._watched)

    def watch(
        self,
        video: StartedVideo,
        lease: Lease,
        *,
        tries_left: int,
        timeout: int | None,
        priority: bool = False,
        rq_job_id: str | None = None,
    ) -> None:
        """Take over the clip and its lease (the caller's job ends)."""
        from jobs import video as video_job

        lease.hand_over()
        entry = Watched(
            video=video,
            lease=lease,
            provider=generations.provider_name(video.model),
            timeout=timeout,
            tries_left=tries_left,
            generation_id=video.generation_id,
            every=video_job.poll_every(video.model),
            priority=priority,
            seq=next(self._arrivals),
            rq_job_id=rq_job_id,
        )
        entry.deadline = _deadline(entry)
        with self._lock:
            self._watched[video.id] = entry
        self._changed.set()

    def stop(self) -> None:
        """Let the steps under way finish, then give the rest back: their leases are
        released so the sweep hands each clip to another worker (which resumes it)."""
        global _current
        self._stop.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            left = list(self._watched.values())
            self._watched.clear()
        for entry in left:
            self._let_go(entry)
        self._record()
        if _current is self:
            _current = None

    def _loop(self) -> None:
        next_renewal = time.monotonic() + self._renew_every
        while not self._stop.wait(TICK_SECONDS):
            now = time.monotonic()
            if now >= next_renewal:
                self._renew_all()
                next_renewal = now + self._renew_every
                self._changed.set()  # the record's expiry is renewed with the leases
            if self._changed.is_set():
                self._changed.clear()
                self._record()
            with self._lock:
                due = [e for e in self._watched.values() if not e.busy and e.next_at <= now]
            for entry in self._with_slots(due, now):
                entry.busy = True
                self._pool.submit(self._step, entry)

    def _with_slots(self, due: list[Watched], now: float) -> list[Watched]:
        """The due clips that may take a step: those submitted already, and those waiting to
        submit that get a provider slot now, subscribers' first, then in order of arrival
        (per provider: after the first refusal the rest of its queue waits)."""
        ready = [e for e in due if e.generation_id is not None or e.has_slot]
        waiting = sorted(
            (e for e in due if e.generation_id is None and not e.has_slot),
            key=lambda e: (not e.priority, e.seq),
        )
        full: set[str] = set()
        for entry in waiting:
            if entry.provider not in full:
                try:
                    entry.has_slot = provider_slots.acquire(
                        get_redis(), entry.provider, entry.video.id
                    )
                except Exception as exc:  # Redis away: ask again on a later tick
                    log.debug("slot not taken: %s", exc)
                if entry.has_slot:
                    ready.append(entry)
                    continue
                full.add(entry.provider)
            entry.next_at = now + SLOT_WAIT_SECONDS  # queued at the provider
        return ready

    def _record(self) -> None:
        """What this worker carries, for the console's queues page (services/console)."""
        with self._lock:
            ids = list(self._watched)
        try:
            seconds = get_settings().video_lease_seconds
            rq_jobs.record_in_flight(get_redis(), ids, seconds)
        except Exception as exc:  # Redis away: recorded at a later tick
            log.debug("in-flight record not written: %s", exc)
            self._changed.set()

    def _renew_all(self) -> None:
        conn = get_redis()
        with self._lock:
            watched = list(self._watched.values())
        for entry in watched:
            if not entry.lease.renew():  # another job has the clip now: hands off
                self._forget(entry)
                continue
            if entry.has_slot:
                try:
                    provider_slots.renew(conn, entry.provider, entry.video.id)
                except Exception as exc:  # Redis away: the lease renewal said it already
                    log.debug("slot renewal failed: %s", exc)

    def _step(self, entry: Watched) -> None:
        from jobs import video as video_job

        try:
            outcome = video_job.guarded(
                entry.video, lambda: self._advance(entry), last_try=entry.tries_left <= 0
            )
        except Exception as exc:  # transient, with tries left: back off as RQ's retry would
            self._retry_later(entry, exc)
            return
        if outcome == WAITING:
            entry.busy = False
            return
        log.info("video %s: %s", entry.video.id, outcome)
        self._forget(entry)
        self._let_go(entry)

    def _advance(self, entry: Watched) -> str:
        """One short step of the clip; WAITING while it goes on, else how it ended."""
        from jobs import video as video_job

        if entry.lease.lost.is_set():
            return video_job.STOPPED
        conn = get_redis()
        paused = provider_slots.paused_for(conn, entry.provider)
        if paused:
            entry.next_at = time.monotonic() + paused
            return WAITING
        if entry.again:  # a retry: an attempt of its own (crash loops end in `start`)
            started = transitions.start(entry.video.id, entry.rq_job_id, processing=False)
            if started is None:
                return video_job.STOPPED
            entry.video, entry.progress, entry.again = started, None, False
        provider = generations.provider_for_model(entry.video.model)
        if entry.generation_id is None:  # it holds a slot (_with_slots)
            generation_id = self._call(
                entry, lambda: video_job.submit(entry.video, provider, queued=True)
            )
            if generation_id is None:
                return video_job.STOPPED
            entry.generation_id = generation_id
            entry.next_at = time.monotonic() + entry.every
            return WAITING
        if not entry.has_slot:  # a resumed generation counts too, when there is room
            entry.has_slot = provider_slots.acquire(conn, entry.provider, entry.video.id)
        if entry.deadline is not None and time.monotonic() > entry.deadline:
            raise JobTimeoutException(f"video {entry.video.id}: past the try's timeout")
        generation_id = entry.generation_id
        status = self._call(entry, lambda: provider.poll(generation_id))
        if not status.done:
            if entry.progress is None:
                entry.progress = video_job.Progress(entry.video)
            assert isinstance(entry.progress, video_job.Progress)
            if not entry.progress.update(status.progress):
                generations.cancel_generation(entry.video.model, generation_id)
                return video_job.STOPPED
            entry.next_at = time.monotonic() + entry.every
            return WAITING
        return video_job.settle(entry.video, provider, generation_id, status)

    def _call(self, entry: Watched, call: Callable[[], T]) -> T:
        """A provider call; a 429 slows the provider down for every worker."""
        try:
            result = call()
        except ProviderError as exc:
            if exc.code in provider_slots.SLOW_DOWN_CODES:
                provider_slots.back_off(get_redis(), entry.provider)
            raise
        entry.failures = 0
        return result

    def _retry_later(self, entry: Watched, exc: Exception) -> None:
        """Another try of the step after RQ's backoff for this many tries so far."""
        backoff = rq_jobs.retry_policy().intervals
        delay = backoff[min(entry.failures, len(backoff) - 1)] if backoff else 1
        entry.failures += 1
        entry.tries_left -= 1
        entry.again = True
        log.info("video %s: retrying in %s s after %s", entry.video.id, delay, exc)
        entry.next_at = time.monotonic() + delay
        if isinstance(exc, JobTimeoutException):
            entry.deadline = _deadline(entry, extra=delay)
        entry.busy = False

    def _forget(self, entry: Watched) -> None:
        with self._lock:
            if self._watched.get(entry.video.id) is entry:
                del self._watched[entry.video.id]
        self._changed.set()

    def _let_go(self, entry: Watched) -> None:
        if entry.has_slot:
            try:
                provider_slots.release(get_redis(), entry.provider, entry.video.id)
            except Exception as exc:  # it lapses by itself
                log.debug("slot release failed: %s", exc)
        entry.lease.release()


def _deadline(entry: Watched, extra: float = 0.0) -> float | None:
    return None if not entry.timeout else time.monotonic() + entry.timeout + extra
