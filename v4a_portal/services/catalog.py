"""The model catalog: which video models the configuration enables and their prices. The one
place prices and offers live; UI, API and jobs all ask it. What each model can make
(durations, sizes) comes from the providers' capability table."""

from __future__ import annotations

from dataclasses import dataclass

from v4a_portal.providers.capabilities import CAPABILITIES, LANDSCAPE, PORTRAIT
from v4a_portal.services.errors import InvalidInput
from v4a_portal.settings import Settings, get_settings

__all__ = [
    "LANDSCAPE",
    "PORTRAIT",
    "Order",
    "VideoModel",
    "get",
    "models",
    "quote",
    "script_price",
]


@dataclass(frozen=True)
class VideoModel:
    id: str
    label: str
    provider: str  # "draft" | "veo" | "sora"
    tier: str  # "draft" | "standard" | "pro"
    durations: tuple[int, ...]
    sizes: tuple[str, ...]
    credits_per_second: int
    timeout_seconds: int  # RQ job timeout for one clip

    def price(self, duration: int, count: int = 1) -> int:
        return self.credits_per_second * duration * count

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "provider": self.provider,
            "tier": self.tier,
            "durations": list(self.durations),
            "sizes": list(self.sizes),
            "credits_per_second": self.credits_per_second,
        }


def script_price(settings: Settings | None = None) -> int:
    return (settings or get_settings()).script_credits


def _veo_on(settings: Settings) -> bool:
    if settings.veo_enabled is not None:
        return settings.veo_enabled
    return bool(settings.gcs_project)


def _model(
    model_id: str, label: str, provider: str, tier: str, price: int, timeout_seconds: int
) -> VideoModel:
    can = CAPABILITIES[model_id]
    return VideoModel(
        model_id, label, provider, tier, can.durations, can.sizes, price, timeout_seconds
    )


def models(settings: Settings | None = None) -> list[VideoModel]:
    """The enabled models, cheapest first."""
    s = settings or get_settings()
    found = [
        _model("draft", "Draft preview (local)", "draft", "draft", s.price_draft_per_second, 300)
    ]
    if _veo_on(s):
        found += [
            _model(
                "veo-3.1-fast-generate-001",
                "Veo 3.1 Fast",
                "veo",
                "standard",
                s.price_standard_per_second,
                900,
            ),
            _model("veo-3.1-generate-001", "Veo 3.1", "veo", "pro", s.price_pro_per_second, 1200),
        ]
    if s.sora_base_url:
        found += [
            _model("sora-2", "Sora 2", "sora", "standard", s.price_standard_per_second, 1200),
            _model("sora-2-pro", "Sora 2 Pro", "sora", "pro", s.price_pro_per_second, 1800),
        ]
    return found


def get(model_id: str, settings: Settings | None = None) -> VideoModel:
    for model in models(settings):
        if model.id == model_id:
            return model
    enabled = ", ".join(m.id for m in models(settings))
    raise InvalidInput(f"Model {model_id!r} is not available; choose one of: {enabled}.")


@dataclass(frozen=True)
class Order:
    model: VideoModel
    duration: int
    size: str
    count: int

    @property
    def credits(self) -> int:
        return self.model.price(self.duration, self.count)


def quote(model_id: str, duration: int, size: str, count: int) -> Order:
    """Check a request against the catalog and price it; InvalidInput says what is wrong."""
    model = get(model_id)
    if duration not in model.durations:
        raise InvalidInput(
            f"{model.label} makes clips of {', '.join(map(str, model.durations))} seconds, "
            f"not {duration}."
        )
    if size not in model.sizes:
        raise InvalidInput(f"{model.label} supports sizes {', '.join(model.sizes)}, not {size}.")
    limit = get_settings().max_clips_per_request
    if not 1 <= count <= limit:
        raise InvalidInput(f"Ask for 1 to {limit} clips at a time, not {count}.")
    return Order(model, duration, size, count)
