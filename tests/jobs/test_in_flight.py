"""Clips waiting on a provider hold no worker (jobs/in_flight.py), in a real worker against
the Veo emulator through the real google-genai SDK: one worker keeps many generations in
flight at once, a provider's in-flight limit holds across them, a 429 pauses the provider
for every clip, and a worker that replaces a SIGKILLed one resumes its clips at once."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.emulators.veo import VeoEmulator
from tests.jobs.conftest import Workers
from tests.support.factories import funded_user
from tests.support.videos import photo, refunds, until, video
from v4a_portal.db import session_scope
from v4a_portal.services import ledger, videos
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.services.videos import provider_slots, rq_jobs
from v4a_portal.settings import get_settings

VEO = "veo-3.1-fast-generate-001"


@pytest.fixture
def veo(monkeypatch: pytest.MonkeyPatch, fast_jobs: object) -> Iterator[VeoEmulator]:
    emulator = VeoEmulator(seconds_to_finish=3.0).start()
    for key, value in {
        "V4A_VEO_ENABLED": "true",
        "GOOGLE_CLOUD_PROJECT": "acme-ads",
        "V4A_VEO_BASE_URL": emulator.base_url,
        "V4A_VEO_ACCESS_TOKEN": "tok",
        "V4A_VIDEO_POLL_SECONDS": "0.3",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield emulator
    emulator.stop()


def _order(user: int, count: int) -> list[int]:
    return videos.request(user, photo(user), None, "p", VEO, 4, "720x1280", count).video_ids


def _settled(ids: list[int]) -> bool:
    return all(video(v).status in ("completed", "failed", "canceled") for v in ids)


def _reconciled(user: int, spent: int, funded: int) -> None:
    with session_scope() as session:
        assert ledger.balance(session, user) == funded - spent
        assert ledger.reconcile(session) == []


def test_one_worker_keeps_many_generations_in_flight(
    sqlite_db: str, veo: VeoEmulator, workers: Workers
) -> None:
    user = funded_user(5000)
    ids = _order(user, 9)
    started = time.monotonic()
    workers.start()
    # Each generation takes 3 s at the provider: nine in a row would take 27 s.
    until(lambda: veo.generations == 9, 20, "all nine submitted")
    created = sorted(op.created for op in veo.operations.values())
    assert created[-1] - created[0] < 3.0  # all in flight before the first could finish
    until(lambda: _settled(ids), 60, "all nine finished")
    elapsed = time.monotonic() - started
    assert all(video(v).status == "completed" for v in ids)
    assert veo.generations == 9 and all(not refunds(v) for v in ids)
    assert elapsed < 9 * 3.0, elapsed  # not one after the other
    price = 4 * get_settings().price_standard_per_second
    _reconciled(user, 9 * price, 5000)


def test_the_providers_limit_holds_across_clips(
    sqlite_db: str, veo: VeoEmulator, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("V4A_VEO_MAX_IN_FLIGHT", "2")
    get_settings.cache_clear()
    user = funded_user(5000)
    ids = _order(user, 5)
    workers.start()
    most = 0
    deadline = time.monotonic() + 90
    while not _settled(ids):
        assert time.monotonic() < deadline, "clips not finished"
        running = sum(1 for v in ids if video(v).provider_job_id and video(v).status != "completed")
        most = max(most, running, provider_slots.in_flight(get_redis(), "veo"))
        time.sleep(0.1)
    assert most == 2  # used, and never exceeded
    assert all(video(v).status == "completed" for v in ids) and veo.generations == 5


def test_a_429_pauses_the_provider_for_every_clip(
    sqlite_db: str, veo: VeoEmulator, workers: Workers
) -> None:
    user = funded_user(5000)
    ids = _order(user, 3)
    veo.fault("submit", 429)  # polls are retried inside the SDK; a paid submit never is
    workers.start()
    until(lambda: provider_slots.paused_for(get_redis(), "veo") > 0, 30, "provider paused")
    time.sleep(0.3)  # requests already under way when the pause began
    seen = len(veo.requests)
    time.sleep(1.0)  # within the pause (2 s after one 429): no clip asks the provider
    assert len(veo.requests) == seen
    until(lambda: _settled(ids), 60, "clips finished after the pause")
    assert all(video(v).status == "completed" for v in ids) and veo.generations == 3


def test_a_new_worker_resumes_a_killed_workers_clips_at_once(
    sqlite_db: str, veo: VeoEmulator, workers: Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leases of 30 s and a sweep every 5 minutes: the replacement worker's start-up sweep
    sees the holder is dead and resumes the stored generations within seconds."""
    monkeypatch.setenv("V4A_VIDEO_LEASE_SECONDS", "30")
    monkeypatch.setenv("V4A_MAINTENANCE_SECONDS", "300")
    get_settings.cache_clear()
    veo.seconds_to_finish = 6.0
    user = funded_user(5000)
    ids = _order(user, 3)
    first = workers.start()
    # Killed once every generation id is committed: a kill between the provider's answer
    # and that commit is the documented submit window, which may submit again.
    until(lambda: all(video(v).provider_job_id for v in ids), 30, "all submitted")
    first.kill()
    assert veo.generations == 3
    assert all(get_redis().exists(rq_jobs.lease_key(v)) for v in ids)  # not lapsed yet
    killed = time.monotonic()
    workers.start()
    until(lambda: _settled(ids), 25, "clips resumed and finished")
    assert time.monotonic() - killed < 20
    assert veo.generations == 3  # resumed, never submitted again
    assert all(video(v).status == "completed" and video(v).attempts == 2 for v in ids)
