"""The registry builds the provider each catalog model needs from the configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulators.veo import VeoEmulator
from tests.support.samples import jpeg
from v4a_portal.providers.draft_renderer import DraftRenderer
from v4a_portal.providers.sora import SoraProvider
from v4a_portal.providers.veo import VeoProvider
from v4a_portal.providers.video_provider import GenerationSpec, PermanentProviderError
from v4a_portal.providers.video_registry import provider_named
from v4a_portal.services import catalog
from v4a_portal.settings import Settings


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings(_env_file=None, V4A_DATA_DIR=str(tmp_path), **env)  # type: ignore[call-arg]


def test_every_enabled_model_gets_its_provider(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, GOOGLE_CLOUD_PROJECT="p", V4A_SORA_BASE_URL="http://127.0.0.1:9/v1"
    )
    kinds = {
        model.id: type(provider_named(model.provider, settings))
        for model in catalog.models(settings)
    }
    assert kinds == {
        "draft": DraftRenderer,
        "veo-3.1-fast-generate-001": VeoProvider,
        "veo-3.1-generate-001": VeoProvider,
        "sora-2": SoraProvider,
        "sora-2-pro": SoraProvider,
    }


def test_default_configuration_offers_only_the_draft_renderer(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    [draft] = catalog.models(settings)
    provider = provider_named(draft.provider, settings)
    assert isinstance(provider, DraftRenderer)
    assert provider.root == tmp_path / "renders"


def test_instances_are_reused_per_configuration(tmp_path: Path) -> None:
    draft = catalog.models(_settings(tmp_path))[0]
    first = provider_named(draft.provider, _settings(tmp_path))
    assert provider_named(draft.provider, _settings(tmp_path)) is first
    assert provider_named(draft.provider, _settings(tmp_path / "other")) is not first


def _model(provider: str) -> catalog.VideoModel:
    return catalog.VideoModel(
        f"{provider}-x", "X", provider, "standard", (4,), ("720x1280",), 10, 60
    )


@pytest.mark.parametrize("provider", ["veo", "sora"])
def test_live_provider_without_configuration_is_a_clear_error(
    tmp_path: Path, provider: str
) -> None:
    with pytest.raises(PermanentProviderError) as caught:
        provider_named(_model(provider).provider, _settings(tmp_path))
    assert caught.value.code == "provider_not_configured"


def test_unknown_provider(tmp_path: Path) -> None:
    with pytest.raises(PermanentProviderError) as caught:
        provider_named(_model("runway").provider, _settings(tmp_path))
    assert caught.value.code == "unknown_provider"


def test_veo_settings_reach_the_sdk(tmp_path: Path) -> None:
    emulator = VeoEmulator().start()
    try:
        settings = _settings(
            tmp_path,
            GOOGLE_CLOUD_PROJECT="acme-ads",
            V4A_VEO_LOCATION="europe-west4",
            V4A_VEO_BASE_URL=emulator.base_url,
            V4A_VEO_ACCESS_TOKEN="tok",
            V4A_VEO_AUDIO="false",
        )
        model = catalog.get("veo-3.1-fast-generate-001", settings)
        spec = GenerationSpec(model.id, "p", 4, "1280x720", jpeg(), "image/jpeg")
        job_id = provider_named(model.provider, settings).submit(spec)
        assert job_id.startswith(
            "projects/acme-ads/locations/europe-west4/publishers/google/"
            "models/veo-3.1-fast-generate-001/operations/"
        )
        assert emulator.requests[0]["auth"] == "Bearer tok"
        assert emulator.submissions[0]["parameters"]["generateAudio"] is False
    finally:
        emulator.stop()
