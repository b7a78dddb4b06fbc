"""Builders the video tests share: a user's photo and script, rows and ledger lookups, and a
scripted in-memory provider for the job's own logic (the pipeline tests use the real draft
renderer in a real worker)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from tests.support.mp4 import sample_mp4
from tests.support.samples import jpeg
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, GeneratedScript, LedgerKind, Video
from v4a_portal.providers.video_provider import GenerationSpec, GenerationState, GenerationStatus
from v4a_portal.services.scripts import text_format

SCRIPT = text_format.AdScript(
    hook="Meet the Trail Mug",
    scenes=[
        text_format.Scene(visual="Mug on a rock", on_screen_text="Hot for 12 hours", seconds=3),
        text_format.Scene(visual="Hiker sips", on_screen_text="Order yours today", seconds=1),
    ],
    call_to_action="Shop now",
    video_prompt="Slow push-in on a steel mug at sunrise",
)


def photo(user_id: int, size: tuple[int, int] = (300, 400)) -> int:
    """An uploaded photo (the same size twice is the same photo: uploads are deduplicated)."""
    from v4a_portal.services import images

    with session_scope() as session:
        saved = images.save_upload(session, user_id, "mug.jpg", jpeg(size))
        assert saved.image.id is not None
        return saved.image.id


def script(user_id: int, image_id: int | None) -> int:
    """A stored script (inserted: writing one is the scripts service's business)."""
    with session_scope() as session:
        row = GeneratedScript(
            user_id=user_id, image_id=image_id, script_text=text_format.render(SCRIPT)
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def video(video_id: int) -> Video:
    with session_scope() as session:
        row = session.get(Video, video_id)
        assert row is not None
        return row


def refunds(video_id: int) -> list[CreditLedger]:
    with session_scope() as session:
        return list(
            session.execute(
                select(CreditLedger).where(
                    CreditLedger.kind == LedgerKind.refund.value,
                    CreditLedger.reference == f"video:{video_id}",
                )
            ).scalars()
        )


def until(condition: Callable[[], object], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s"
        time.sleep(0.05)


@dataclass
class FakeProvider:
    """A provider whose generations finish after `polls` polls; `fail_with` raises from
    submit, `outcome` says how a generation ends. Thread-safe counters."""

    name: str = "fake"
    polls: int = 3
    outcome: GenerationStatus = field(
        default_factory=lambda: GenerationStatus(GenerationState.succeeded, 100)
    )
    fail_with: Exception | None = None
    submitted: list[GenerationSpec] = field(default_factory=list)
    canceled: list[str] = field(default_factory=list)
    polled: dict[str, int] = field(default_factory=dict)
    gate: threading.Event | None = None  # when set up, polls wait for it

    def submit(self, spec: GenerationSpec) -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.submitted.append(spec)
        job_id = uuid.uuid4().hex
        self.polled[job_id] = 0
        return job_id

    def poll(self, job_id: str) -> GenerationStatus:
        if self.gate is not None:
            self.gate.wait(10)
        if job_id in self.canceled:
            return GenerationStatus(GenerationState.canceled, 0)
        self.polled[job_id] = self.polled.get(job_id, 0) + 1
        n = self.polled[job_id]
        if n >= self.polls:
            return self.outcome
        return GenerationStatus(GenerationState.running, int(100 * n / self.polls))

    def download(self, job_id: str, dest: Path) -> None:
        dest.write_bytes(sample_mp4())

    def cancel(self, job_id: str) -> bool:
        self.canceled.append(job_id)
        return True
