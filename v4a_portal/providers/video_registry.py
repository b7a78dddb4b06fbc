"""Build the video provider of a name ("draft", "veo", "sora") from the configuration.

Providers hold HTTP clients, so one instance is kept per process and configuration; the
process id is part of the key so that a forked process never shares its parent's
connections.
"""

from __future__ import annotations

import os
import threading

from v4a_portal.providers.draft_renderer import DraftRenderer
from v4a_portal.providers.video_provider import PermanentProviderError, VideoProvider
from v4a_portal.settings import Settings, get_settings

_cache: dict[tuple[object, ...], VideoProvider] = {}
_lock = threading.Lock()


def _config(provider: str, s: Settings) -> tuple[object, ...]:
    if provider == "draft":
        return (str(s.data_dir),)
    if provider == "veo":
        return (
            s.gcs_project,
            s.veo_location,
            s.veo_base_url,
            s.veo_access_token,
            s.veo_timeout_seconds,
            s.veo_typical_seconds,
            s.veo_generate_audio,
            s.veo_output_gcs_uri,
        )
    if provider == "sora":
        return (
            s.sora_base_url,
            s.sora_api_key,
            s.openai_timeout_seconds,
            s.openai_max_retries,
            s.sora_download_attempts,
        )
    raise PermanentProviderError(f"No video provider {provider!r}.", code="unknown_provider")


def _not_configured(what: str) -> PermanentProviderError:
    return PermanentProviderError(f"{what} is not configured.", code="provider_not_configured")


def _build(provider: str, s: Settings) -> VideoProvider:
    if provider == "draft":
        return DraftRenderer(s.data_dir / "renders")
    if provider == "veo":
        if not s.gcs_project:
            raise _not_configured("Veo (GOOGLE_CLOUD_PROJECT)")
        from v4a_portal.providers.veo import VeoProvider  # google-genai loads only when used

        return VeoProvider(
            project=s.gcs_project,
            location=s.veo_location,
            access_token=s.veo_access_token,
            base_url=s.veo_base_url,
            timeout_seconds=s.veo_timeout_seconds,
            typical_seconds=s.veo_typical_seconds,
            generate_audio=s.veo_generate_audio,
            output_gcs_uri=s.veo_output_gcs_uri,
        )
    if not s.sora_base_url:
        raise _not_configured("The OpenAI Videos endpoint (V4A_SORA_BASE_URL)")
    from v4a_portal.providers.sora import SoraProvider

    return SoraProvider(
        api_key=s.sora_api_key,
        base_url=s.sora_base_url,
        timeout_seconds=s.openai_timeout_seconds,
        max_retries=s.openai_max_retries,
        download_attempts=s.sora_download_attempts,
    )


def provider_named(name: str, settings: Settings | None = None) -> VideoProvider:
    """The provider `name` (a catalog model's `provider`); PermanentProviderError when it
    is unknown or not configured."""
    s = settings or get_settings()
    key = (os.getpid(), name, *_config(name, s))
    with _lock:
        if (found := _cache.get(key)) is None:
            found = _cache[key] = _build(name, s)
        return found
