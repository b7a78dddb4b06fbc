"""Google Veo 3.1 on Vertex AI through `google-genai`: image-to-video as a long-running
operation.

The job id is `<operation name>|<unix time of submit>`: the operation name is all Vertex
needs to fetch the operation again (from any process), and the submit time lets any poller
estimate progress, which Veo does not report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import google.auth.exceptions
import google.oauth2.credentials
import httpx
import httpx2
import requests
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

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

# size -> (aspect ratio, resolution)
FORMATS = {
    "720x1280": ("9:16", "720p"),
    "1280x720": ("16:9", "720p"),
    "1080x1920": ("9:16", "1080p"),
    "1920x1080": ("16:9", "1080p"),
}
_SAFETY_WORDS = ("safety", "responsible ai", "usage guidelines", "prohibited", "blocked")
T = TypeVar("T")


def estimate_progress(elapsed: float, typical: float) -> int:
    """Linear to 90 % at the typical latency, then creeping toward 99 %: never done early."""
    if elapsed <= typical:
        return max(1, int(90 * elapsed / typical))
    return min(99, 90 + int(9 * (1 - math.exp(-(elapsed - typical) / typical))))


def split_job_id(generation_id: str) -> tuple[str, float | None]:
    name, _, stamp = generation_id.rpartition("|")
    if not name:
        name, stamp = generation_id, ""
    if "/operations/" not in name:
        raise PermanentProviderError("Unknown Veo operation.", code="unknown_job")
    try:
        return name, float(stamp)
    except ValueError:
        return name, None


def _is_safety(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in _SAFETY_WORDS)


def _mapped(exc: Exception) -> ProviderError:
    if isinstance(exc, genai_errors.APIError):
        return error_for_status(exc.code or 0, safety=_is_safety(exc.message or ""))
    if isinstance(exc, google.auth.exceptions.GoogleAuthError) and not isinstance(
        exc, google.auth.exceptions.TransportError
    ):
        # No Application Default Credentials, or they cannot be refreshed: configuration.
        return PermanentProviderError(
            "The video service credentials are missing or invalid.", code="provider_auth"
        )
    return TransientProviderError(
        "The video service cannot be reached.", code="provider_unreachable"
    )


_NETWORK_ERRORS = (
    genai_errors.APIError,
    httpx.HTTPError,
    httpx2.HTTPError,  # google-genai 3.x sends through httpx2
    requests.RequestException,
    google.auth.exceptions.GoogleAuthError,
)


class VeoProvider:
    name = "veo"

    def __init__(
        self,
        *,
        project: str,
        location: str,
        access_token: str = "",
        base_url: str = "",
        timeout_seconds: float = 60.0,
        typical_seconds: float = 60.0,
        generate_audio: bool = True,
        output_gcs_uri: str = "",
        poll_retry_seconds: float = 0.5,
    ) -> None:
        # A static token is for emulators and short jobs; without one, Application Default
        # Credentials (a service account in production) are used and refreshed by the SDK.
        credentials = (
            google.oauth2.credentials.Credentials(token=access_token) if access_token else None
        )
        self.client = genai.Client(
            vertexai=True,
            project=project,
            location=location,
            credentials=credentials,
            http_options=types.HttpOptions(
                base_url=base_url or None, timeout=int(timeout_seconds * 1000)
            ),
        )
        self.project = project
        self.typical_seconds = typical_seconds
        self.generate_audio = generate_audio
        self.output_gcs_uri = output_gcs_uri
        # Fetching an operation is idempotent, so the SDK may retry it; creating one is paid
        # and is never retried here (the pipeline decides, knowing what was stored).
        self._poll_config = types.GetOperationConfig(
            http_options=types.HttpOptions(
                retry_options=types.HttpRetryOptions(
                    attempts=3,
                    initial_delay=poll_retry_seconds,
                    max_delay=8 * poll_retry_seconds,
                    jitter=poll_retry_seconds / 2,
                )
            )
        )

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except _NETWORK_ERRORS as exc:
            raise _mapped(exc) from exc

    def submit(self, spec: GenerationSpec) -> str:
        capabilities.check(spec)
        aspect_ratio, resolution = FORMATS[spec.size]
        image = types.Image(
            image_bytes=fit_png(spec.image_bytes, spec.width, spec.height), mime_type="image/png"
        )
        config = types.GenerateVideosConfig(
            aspect_ratio=aspect_ratio,
            resolution=resolution,
            duration_seconds=spec.duration,
            number_of_videos=1,
            generate_audio=self.generate_audio,
            output_gcs_uri=self.output_gcs_uri or None,
        )
        submitted_at = time.time()
        operation = self._call(
            lambda: self.client.models.generate_videos(
                model=spec.model,
                source=types.GenerateVideosSource(prompt=spec.prompt, image=image),
                config=config,
            )
        )
        if not operation.name:
            raise TransientProviderError(
                "The video service did not return a job id.", code="provider_unavailable"
            )
        return f"{operation.name}|{submitted_at:.3f}"

    def _operation(self, name: str) -> types.GenerateVideosOperation:
        return self._call(
            lambda: self.client.operations.get(
                # `name` is a field of its non-pydantic base Operation, unseen by the plugin
                types.GenerateVideosOperation(name=name),  # type: ignore[call-arg]
                config=self._poll_config,
            )
        )

    def poll(self, generation_id: str) -> GenerationStatus:
        name, submitted_at = split_job_id(generation_id)
        operation = self._operation(name)
        if not operation.done:
            elapsed = time.time() - submitted_at if submitted_at else 0.0
            return GenerationStatus(
                GenerationState.running, estimate_progress(elapsed, self.typical_seconds)
            )
        return self._outcome(operation)

    @staticmethod
    def _outcome(operation: types.GenerateVideosOperation) -> GenerationStatus:
        if operation.error:
            message = str(operation.error.get("message") or "")
            if _is_safety(message):
                return GenerationStatus(
                    GenerationState.failed, 100, "safety_blocked", SAFETY_MESSAGE
                )
            return GenerationStatus(
                GenerationState.failed,
                100,
                "generation_failed",
                "The video service could not make this clip.",
            )
        response = operation.response
        if response is None or not response.generated_videos:
            if response is not None and response.rai_media_filtered_count:
                return GenerationStatus(
                    GenerationState.failed, 100, "safety_blocked", SAFETY_MESSAGE
                )
            return GenerationStatus(
                GenerationState.failed, 100, "no_video", "The video service returned no video."
            )
        return GenerationStatus(GenerationState.succeeded, 100)

    def download(self, generation_id: str, dest: Path) -> None:
        name, _ = split_job_id(generation_id)
        operation = self._operation(name)
        if not operation.done:
            raise TransientProviderError("The clip is still being generated.", code="not_ready")
        status = self._outcome(operation)
        if status.state is not GenerationState.succeeded:
            raise PermanentProviderError(
                status.error_message or "No video.", code=status.error_code or "no_video"
            )
        assert operation.response and operation.response.generated_videos
        video = operation.response.generated_videos[0].video
        dest.parent.mkdir(parents=True, exist_ok=True)
        if video and video.video_bytes:
            dest.write_bytes(video.video_bytes)
        elif video and video.uri and video.uri.startswith("gs://"):
            self._download_gcs(video.uri, dest)
        else:
            raise PermanentProviderError(
                "The video service returned a video we cannot fetch.", code="no_video"
            )

    def _download_gcs(self, uri: str, dest: Path) -> None:
        # Imported here: only deployments that set an output bucket need the storage client.
        from google.api_core import exceptions as gexc
        from google.cloud import storage

        try:
            client = storage.Client(project=self.project or None)
            storage.Blob.from_uri(uri, client=client).download_to_filename(str(dest))
        except gexc.NotFound as exc:
            raise PermanentProviderError(
                "The generated video is no longer in the bucket.", code="video_expired"
            ) from exc
        except (gexc.TooManyRequests, gexc.ServerError, requests.RequestException) as exc:
            raise TransientProviderError(
                "The video could not be fetched from storage; retrying.", code="download_failed"
            ) from exc
        except gexc.GoogleAPICallError as exc:
            raise PermanentProviderError(
                "The video could not be fetched from storage.", code="download_failed"
            ) from exc

    def cancel(self, generation_id: str) -> bool:
        return False  # Vertex has no cancel for video operations; the clip runs to its end
