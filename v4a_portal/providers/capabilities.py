"""What each video model can make (durations, frame sizes): the one table.

The catalog builds what the portal offers (and prices it) from this table; a provider
refuses anything outside it before paying for a generation. Sizes are "WIDTHxHEIGHT".
"""

from __future__ import annotations

from dataclasses import dataclass

from v4a_portal.providers.video_provider import GenerationSpec, PermanentProviderError

PORTRAIT, LANDSCAPE = "720x1280", "1280x720"
_HD = (PORTRAIT, LANDSCAPE)


@dataclass(frozen=True)
class Capability:
    durations: tuple[int, ...]  # seconds
    sizes: tuple[str, ...]


_VEO = Capability((4, 6, 8), (*_HD, "1080x1920", "1920x1080"))
CAPABILITIES: dict[str, Capability] = {
    "draft": Capability((4, 8, 12), _HD),
    "veo-3.1-fast-generate-001": _VEO,
    "veo-3.1-generate-001": _VEO,
    "sora-2": Capability((4, 8, 12), _HD),
    "sora-2-pro": Capability((4, 8, 12), (*_HD, "1024x1792", "1792x1024")),
}


def check(spec: GenerationSpec) -> None:
    """PermanentProviderError (`unsupported_request`) unless the model makes this clip."""
    capability = CAPABILITIES.get(spec.model)
    if capability is None or spec.size not in capability.sizes:
        raise _unsupported(f"{spec.model} does not make {spec.size} videos.")
    if spec.duration not in capability.durations:
        seconds = ", ".join(map(str, capability.durations))
        raise _unsupported(f"{spec.model} makes videos of {seconds} seconds, not {spec.duration}.")


def _unsupported(message: str) -> PermanentProviderError:
    return PermanentProviderError(message, code="unsupported_request")
