"""The provider generation behind a video: which provider makes a catalog model, and stopping
a generation that nobody will collect."""

from __future__ import annotations

import logging

from v4a_portal.providers.video_provider import VideoProvider
from v4a_portal.services import catalog

log = logging.getLogger(__name__)


def provider_for_model(model_id: str) -> VideoProvider:
    """The provider behind a catalog model (InvalidInput when the model is switched off)."""
    from v4a_portal.providers import video_registry  # imports the provider SDKs: lazily

    return video_registry.provider_named(catalog.get(model_id).provider)


def provider_name(model_id: str) -> str:
    """The provider's name for a catalog model, also when it was switched off since."""
    from v4a_portal.services.errors import InvalidInput

    try:
        return catalog.get(model_id).provider
    except InvalidInput:
        return "draft" if model_id == "draft" else model_id.split("-", 1)[0]


def cancel_generation(model_id: str, generation_id: str) -> bool:
    """Ask the provider to stop a generation; best effort, False when it could not."""
    try:
        return bool(provider_for_model(model_id).cancel(generation_id))
    except Exception as exc:  # a cancel that fails must not fail the caller's cancel
        log.warning("provider cancel of %s (%s) failed: %s", generation_id, model_id, exc)
        return False
