"""The video-provider interface: submit a clip, poll it, download it, cancel it.

A generation id is stored on the video row before polling starts, so a retried or
re-enqueued RQ job resumes polling the same paid generation instead of submitting again.
Providers never touch the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Caption:
    start: float  # seconds
    end: float
    text: str


@dataclass(frozen=True)
class GenerationSpec:
    model: str  # catalog model id, e.g. "draft", "veo-3.1-fast-generate-001", "sora-2"
    prompt: str
    duration: int  # seconds
    size: str  # "WIDTHxHEIGHT", e.g. "720x1280"
    image_bytes: bytes
    image_content_type: str
    captions: tuple[Caption, ...] = field(default_factory=tuple)

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


# Width of the JPEG thumbnail stored beside every finished video: a provider that makes its own
# thumbnail (see VideoProvider) makes it this wide, and the worker fits any other to it.
THUMBNAIL_WIDTH = 480

SAFETY_MESSAGE = (
    "The video service's safety filters blocked this clip. Try another photo or prompt."
)


class GenerationState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    canceled = "canceled"


@dataclass(frozen=True)
class GenerationStatus:
    state: GenerationState
    progress: int  # 0-100; estimated from elapsed time where the provider reports none
    error_code: str | None = None
    error_message: str | None = None  # safe to show the customer

    @property
    def done(self) -> bool:
        return self.state in (
            GenerationState.succeeded,
            GenerationState.failed,
            GenerationState.canceled,
        )


class ProviderError(Exception):
    """Base; `permanent` says whether retrying can help."""

    permanent = False

    def __init__(self, message: str, *, code: str = "provider_error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TransientProviderError(ProviderError):
    """429, 5xx, timeouts, connection errors: retry with backoff."""


class PermanentProviderError(ProviderError):
    """Bad request, safety block, unknown job: fail the clip and refund."""

    permanent = True


def error_for_status(status: int, *, safety: bool = False) -> ProviderError:
    """One HTTP status → retry-or-not mapping for every live provider."""
    if status in (408, 409, 429):
        return TransientProviderError(
            "The video service is busy; retrying shortly.", code="provider_busy"
        )
    if status >= 500:
        return TransientProviderError(
            f"The video service had an error (HTTP {status}); retrying.",
            code="provider_unavailable",
        )
    if status == 404:
        return PermanentProviderError("The video job was not found.", code="unknown_job")
    if status in (401, 403):
        return PermanentProviderError(
            "The video service refused our credentials.", code="provider_auth"
        )
    if safety:
        return PermanentProviderError(SAFETY_MESSAGE, code="safety_blocked")
    return PermanentProviderError(
        f"The video service rejected the request (HTTP {status}).", code="provider_rejected"
    )


class VideoProvider(Protocol):
    name: str

    def submit(self, spec: GenerationSpec) -> str:
        """Start a generation; returns its id at the provider. Paid: call once per video."""
        ...

    def poll(self, generation_id: str) -> GenerationStatus: ...

    def download(self, generation_id: str, dest: Path) -> None:
        """Write the finished MP4 to `dest`; safe to retry (never regenerates)."""
        ...

    def cancel(self, generation_id: str) -> bool:
        """Ask the provider to stop; False when it cannot (already done, unsupported)."""
        ...

    # Optional, looked up with getattr (a provider without it is still a VideoProvider):
    #
    #     def thumbnail(self, generation_id: str, dest: Path) -> bool:
    #         """Write a still of the finished clip (JPEG, PNG or WebP, any size) to `dest`;
    #         False when there is none. Never paid, never regenerates."""
    #
    # The pipeline makes it a JPEG of the stored width and checks the MP4 from its index in
    # Python instead of running ffmpeg; without it (or when it fails), ffmpeg draws the
    # first frame.
