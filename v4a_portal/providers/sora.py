"""OpenAI Videos API (`sora-2`, `sora-2-pro`) through the `openai` SDK, for any endpoint that
still serves `/v1/videos` (OpenAI itself removed it on 2026-09-24).

The create call is paid and the SDK sends no idempotency key, so it is made without SDK
retries; a failed download is retried here, never the generation.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import httpx2
import openai

from v4a_portal.providers import capabilities
from v4a_portal.providers.photo_fit import fit_png
from v4a_portal.providers.video_provider import (
    SAFETY_MESSAGE,
    GenerationSpec,
    GenerationState,
    GenerationStatus,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
    error_for_status,
)

_STATES = {
    "queued": GenerationState.queued,
    "in_progress": GenerationState.running,
    "completed": GenerationState.succeeded,
    "failed": GenerationState.failed,
}
_SAFETY_CODES = ("moderation_blocked", "content_policy_violation", "safety_blocked")
T = TypeVar("T")


@contextmanager
def _quiet() -> Iterator[None]:
    # Every videos.* call warns that the API is deprecated; we know, and chose it.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def _mapped(exc: openai.OpenAIError) -> ProviderError:
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return TransientProviderError(
            "The video service cannot be reached.", code="provider_unreachable"
        )
    if not isinstance(exc, openai.APIStatusError):
        return PermanentProviderError("The video service failed.", code="provider_error")
    return error_for_status(exc.status_code, safety=exc.code in _SAFETY_CODES)


class SoraProvider:
    name = "sora"

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        timeout_seconds: float = 60.0,
        max_retries: int = 2,
        download_attempts: int = 4,
        download_backoff_seconds: float = 1.0,
    ) -> None:
        # Reads (retrieve, delete) may be retried by the SDK; create and download may not:
        # create is paid, and downloads are retried by our own loop with backoff.
        self.client = openai.OpenAI(
            api_key=api_key or "unset",
            base_url=base_url or None,
            timeout=timeout_seconds,
            max_retries=max_retries,
        )
        self._once = self.client.with_options(max_retries=0)
        self.download_attempts = download_attempts
        self.download_backoff_seconds = download_backoff_seconds

    @staticmethod
    def _call(fn: Callable[[], T]) -> T:
        try:
            with _quiet():
                return fn()
        except openai.OpenAIError as exc:
            raise _mapped(exc) from exc

    def submit(self, spec: GenerationSpec) -> str:
        capabilities.check(spec)
        # The image becomes the first frame and must be exactly the video's size.
        image = fit_png(spec.image_bytes, spec.width, spec.height)
        video = self._call(
            lambda: self._once.videos.create(
                model=spec.model,
                prompt=spec.prompt,
                seconds=str(spec.duration),  # type: ignore[arg-type]
                size=spec.size,  # type: ignore[arg-type]
                input_reference=("reference.png", image, "image/png"),
            )
        )
        return video.id

    def poll(self, generation_id: str) -> GenerationStatus:
        video = self._call(lambda: self.client.videos.retrieve(generation_id))
        state = _STATES.get(video.status, GenerationState.running)
        progress = (
            100 if state is GenerationState.succeeded else max(0, min(99, video.progress or 0))
        )
        if state is not GenerationState.failed:
            return GenerationStatus(state, progress)
        code = video.error.code if video.error else ""
        if code in _SAFETY_CODES:
            return GenerationStatus(
                GenerationState.failed, progress, "safety_blocked", SAFETY_MESSAGE
            )
        return GenerationStatus(
            GenerationState.failed,
            progress,
            "generation_failed",
            "The video service could not make this clip.",
        )

    def download(self, generation_id: str, dest: Path) -> None:
        status = self.poll(generation_id)
        if status.state is not GenerationState.succeeded:
            if status.done:
                raise PermanentProviderError(
                    status.error_message or "No video.", code=status.error_code or "no_video"
                )
            raise TransientProviderError("The clip is still being generated.", code="not_ready")
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        for attempt in range(1, self.download_attempts + 1):
            try:
                self._fetch(generation_id, partial)
            except TransientProviderError:
                if attempt == self.download_attempts:
                    raise
                time.sleep(self.download_backoff_seconds * 2 ** (attempt - 1))
            else:
                os.replace(partial, dest)
                return

    def _fetch(self, generation_id: str, partial: Path) -> None:
        try:
            with (
                _quiet(),
                self._once.videos.with_streaming_response.download_content(
                    generation_id, variant="video"
                ) as response,
            ):
                response.stream_to_file(partial)
        except openai.NotFoundError as exc:
            # Links expire about an hour after completion.
            raise PermanentProviderError(
                "The generated video has expired at the video service.", code="video_expired"
            ) from exc
        except openai.OpenAIError as exc:
            error = _mapped(exc)
            if error.permanent:
                raise error from exc
            raise TransientProviderError(
                "The video could not be downloaded; retrying.", code="download_failed"
            ) from exc
        except (httpx2.HTTPError, OSError) as exc:  # the connection broke mid-body
            raise TransientProviderError(
                "The video could not be downloaded; retrying.", code="download_failed"
            ) from exc

    def thumbnail(self, generation_id: str, dest: Path) -> bool:
        """The API's still of a finished clip (`variant="thumbnail"`, an optional provider
        capability); one try, False on any failure: the pipeline then draws one itself."""
        partial = dest.with_name(dest.name + ".part")
        try:
            with (
                _quiet(),
                self._once.videos.with_streaming_response.download_content(
                    generation_id, variant="thumbnail"
                ) as response,
            ):
                response.stream_to_file(partial)
        except (openai.OpenAIError, httpx2.HTTPError, OSError):
            partial.unlink(missing_ok=True)
            return False
        os.replace(partial, dest)
        return dest.stat().st_size > 0

    def cancel(self, generation_id: str) -> bool:
        status = self.poll(generation_id)
        if status.done:
            return False
        try:
            self._call(lambda: self.client.videos.delete(generation_id))
        except PermanentProviderError:
            return False  # gone already, or the endpoint refuses to delete a running job
        return True
