"""gcp-storage-emulator as a real server in a subprocess on a free port, and fixtures for it.

The app reaches it through the real google-cloud-storage client: STORAGE_EMULATOR_HOST
points the client at it (with anonymous credentials), and public URLs are made against it
too, so a test can fetch what a browser would.
"""

from __future__ import annotations

import atexit
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import httpx
import pytest

from tests.support.servers import free_port

BUCKET = "v4a-test-media"
CHUNK_KIB = 256  # the smallest chunk GCS allows: small files already go up in chunks


@dataclass(frozen=True)
class GcsEmulator:
    url: str
    bucket: str

    def env(self, **extra: str) -> dict[str, str]:
        """Settings that point the portal's GCS backend at this emulator."""
        return {
            "V4A_STORAGE_BACKEND": "gcs",
            "GCS_BUCKET_NAME": self.bucket,
            "STORAGE_EMULATOR_HOST": self.url,
            "V4A_GCS_PUBLIC_BASE_URL": self.url,
            "V4A_GCS_CHUNK_KIB": str(CHUNK_KIB),
            **extra,
        }

    def wipe(self) -> None:
        httpx.get(f"{self.url}/wipe", params={"keep-buckets": "true"}).raise_for_status()


@contextmanager
def running_emulator(bucket: str = BUCKET) -> Iterator[GcsEmulator]:
    port = free_port()
    command = [sys.executable, "-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--in-memory", "--default-bucket", bucket, "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url)
        yield GcsEmulator(url, bucket)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"gcp-storage-emulator exited: {err[-2000:]}")
        try:
            if httpx.get(url + "/", timeout=0.5).text == "OK":
                return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError("gcp-storage-emulator did not start within 20 s")


@lru_cache
def shared_emulator() -> GcsEmulator:
    """One emulator for the whole test session, stopped when the interpreter exits."""
    context = running_emulator()
    emulator = context.__enter__()
    atexit.register(context.__exit__, None, None, None)
    return emulator


@contextmanager
def configured(monkeypatch: pytest.MonkeyPatch) -> Iterator[GcsEmulator]:
    """The portal set to the GCS backend on the shared emulator, its bucket wiped."""
    from v4a_portal.settings import get_settings

    emulator = shared_emulator()
    emulator.wipe()
    with monkeypatch.context() as patch:
        for key, value in emulator.env().items():
            patch.setenv(key, value)
        get_settings.cache_clear()
        yield emulator
    get_settings.cache_clear()
