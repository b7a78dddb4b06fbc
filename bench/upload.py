"""Upload benchmark: a 5 MB JPEG through POST /api/v1/ai/upload-image against a bare POST that
only streams the body to a file, on the same uvicorn server (the real API app plus that one
route), with a fresh SQLite database in a temporary folder.

Prints uploads per second one at a time and 10 at once, and the web process's peak memory
(RSS high-water mark from /proc, reset before each phase) while 10 run at once.

    .venv/bin/python bench/upload.py [--uploads 40] [--concurrency 10]

Every upload differs by a few bytes after the JPEG's end marker, so the duplicate check
(sha256 of the bytes sent) never short-cuts the decoding; the re-encoding drops those bytes.
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import Request

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the portal package importable
    sys.path.insert(0, str(ROOT))
BARE_ROUTE = "/bench/static-post"
UPLOAD_ROUTE = "/api/v1/ai/upload-image"


def bench_api():  # type: ignore[no-untyped-def]
    """The portal's API plus a trivial route that streams the request body to a file."""
    from v4a_portal.api.app import create_api
    from v4a_portal.settings import get_settings

    api = create_api()
    folder = get_settings().data_dir / "bare"
    folder.mkdir(parents=True, exist_ok=True)

    @api.post(BARE_ROUTE)
    async def static_post(request: Request) -> dict[str, int]:
        size = 0
        with (folder / secrets.token_hex(8)).open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
                size += len(chunk)
        return {"size": size}

    return api


def photo_jpeg() -> bytes:
    """A 12-megapixel photo-like JPEG of about 5 MB (gradients plus sensor-like noise)."""
    from PIL import Image

    size = (4000, 3000)
    base = Image.merge(
        "RGB",
        [
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.linear_gradient("L").rotate(90).resize(size),
        ],
    )
    noisy = Image.blend(base, Image.effect_noise(size, 40).convert("RGB"), 0.35)
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=90)
    return out.getvalue()


class Memory:
    """Peak RSS of a process: the kernel's high-water mark, reset on demand."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def _status(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"{field} not in /proc/{self.pid}/status")

    def rss(self) -> int:
        return self._status("VmRSS")

    def reset_peak(self) -> None:
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")  # 5 = reset the high-water mark

    def peak(self) -> int:
        return self._status("VmHWM")


@dataclass
class Phase:
    per_second_serial: float
    per_second_parallel: float
    peak_rss: int


def run_phase(send: Callable[[], None], uploads: int, concurrency: int, memory: Memory) -> Phase:
    for _ in range(2):  # warm up: imports, connection pool, first-request paths
        send()
    started = time.perf_counter()
    for _ in range(max(uploads // 4, 3)):
        send()
    serial = max(uploads // 4, 3) / (time.perf_counter() - started)

    memory.reset_peak()
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(send) for _ in range(uploads)]:
            future.result()
    parallel = uploads / (time.perf_counter() - started)
    return Phase(serial, parallel, memory.peak())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", "bench.upload:bench_api", "--factory"]
    command += ["--app-dir", str(ROOT), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the web server exited during start-up")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the web server did not start within 60 s")


def bench_token() -> str:
    """A user and an access token in the bench database, through the portal's own services."""
    from v4a_portal import schema_migrations
    from v4a_portal.db import session_scope
    from v4a_portal.services import accounts
    from v4a_portal.services.auth import api_tokens

    schema_migrations.upgrade()
    user = accounts.sign_in(accounts.Identity(subject="bench", email="bench@v4a.example"))
    with session_scope() as session:
        return api_tokens.issue(session, user).access_token


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--uploads", type=int, default=40, help="uploads per phase")
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="v4a-bench-") as tmp:
        port = free_port()
        env = {
            **os.environ,
            "V4A_DATA_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "V4A_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "V4A_STORAGE_BACKEND": "local",
        }
        os.environ.update(env)  # for bench_token, before anything reads the settings
        token = bench_token()
        photo = photo_jpeg()
        print(f"photo: {len(photo) / 1e6:.2f} MB JPEG, 4000x3000; CPUs: {os.cpu_count()}")

        server = start_server(port, env)
        memory = Memory(server.pid)
        idle = memory.rss()
        base = f"http://127.0.0.1:{port}"
        limits = httpx.Limits(max_connections=args.concurrency * 2)
        try:
            with httpx.Client(base_url=base, timeout=120, limits=limits) as client:
                headers = {"Authorization": f"Bearer {token}"}

                def send(route: str, expected: int) -> Callable[[], None]:
                    def _send() -> None:
                        unique = photo + secrets.token_bytes(16)  # after EOI: see docstring
                        files = {"file": ("photo.jpg", unique, "image/jpeg")}
                        response = client.post(route, files=files, headers=headers)
                        if response.status_code != expected:
                            raise SystemExit(f"{route}: {response.status_code} {response.text}")

                    return _send

                bare = run_phase(send(BARE_ROUTE, 200), args.uploads, args.concurrency, memory)
                api = run_phase(send(UPLOAD_ROUTE, 201), args.uploads, args.concurrency, memory)
        finally:
            server.terminate()
            server.wait(timeout=10)

    report(bare, api, idle, args.concurrency)
    return 0


def report(bare: Phase, api: Phase, idle: int, concurrency: int) -> None:
    mb = 1024 * 1024
    rows = [
        ("", "uploads/s, 1 at a time", f"uploads/s, {concurrency} at once", "peak RSS"),
        (
            "bare POST to a file",
            f"{bare.per_second_serial:.1f}",
            f"{bare.per_second_parallel:.1f}",
            f"{bare.peak_rss / mb:.0f} MB",
        ),
        (
            "upload API",
            f"{api.per_second_serial:.1f}",
            f"{api.per_second_parallel:.1f}",
            f"{api.peak_rss / mb:.0f} MB",
        ),
        (
            "API / bare",
            f"{api.per_second_serial / bare.per_second_serial:.2f}x",
            f"{api.per_second_parallel / bare.per_second_parallel:.2f}x",
            f"{api.peak_rss / bare.peak_rss:.2f}x",
        ),
    ]
    print(f"\nweb process idle RSS: {idle / mb:.0f} MB")
    for row in rows:
        print(f"{row[0]:<22}{row[1]:>24}{row[2]:>24}{row[3]:>12}")
    print(
        f"\npeak RSS above idle with {concurrency} at once: bare {(bare.peak_rss - idle) / mb:.0f}"
        f" MB, API {(api.peak_rss - idle) / mb:.0f} MB"
    )


if __name__ == "__main__":
    raise SystemExit(main())
