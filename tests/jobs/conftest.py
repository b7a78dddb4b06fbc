"""Real worker processes (`python -m jobs.worker`) for the pipeline tests.

A worker gets the test's environment: its database (DATABASE_URL), media and renders folder
(V4A_DATA_DIR, one per test, so the draft renderer's generation count is this test's) and a
redis-server of the test's own (REDIS_URL): pub/sub ignores database numbers, and nothing
else on the machine may flush these queues or publish on these channels mid-test. Leases,
sweeps and retries are made short so crashes are recovered in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.conftest import pg_api_client  # noqa: F401  (a fixture, shared)
from tests.support import servers
from tests.support.servers import RedisServer
from tests.support.workers import WorkerProcess, Workers  # noqa: F401  (tests import them here)
from v4a_portal.providers.draft_renderer import DraftRenderer
from v4a_portal.services.redis_conn import get_redis
from v4a_portal.settings import get_settings

FAST = {
    "V4A_VIDEO_LEASE_SECONDS": "2",
    "V4A_MAINTENANCE_SECONDS": "1",
    "V4A_VIDEO_RETRY_SECONDS": "1",
    "V4A_VIDEO_POLL_SECONDS": "0.2",
}


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    with servers.private_redis() as server:
        yield server


@pytest.fixture
def fast_jobs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_redis: RedisServer
) -> Iterator[Path]:
    """Short leases and sweeps, a data folder (yielded) and a Redis of this test's own."""
    data = tmp_path / "data"
    monkeypatch.setenv("V4A_DATA_DIR", str(data))
    monkeypatch.setenv("REDIS_URL", private_redis.url)
    for key, value in FAST.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    get_redis.cache_clear()
    yield data
    get_settings.cache_clear()
    get_redis.cache_clear()


@pytest.fixture
def workers(fast_jobs: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Workers]:
    found = Workers(tmp_path)
    yield found
    found.stop_all()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for worker in found.started:
            print(f"--- {worker.log.name} ---\n{worker.output()[-4000:]}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def generations() -> int:
    """Draft renders started in this test's data folder: paid generations."""
    return DraftRenderer(get_settings().data_dir / "renders").generations


def running(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
