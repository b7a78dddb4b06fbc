"""The catalog: packs and plans from settings, price ids per mode."""

from __future__ import annotations

import pytest

from tests.api.conftest import settings_env
from v4a_portal.services.billing import catalog
from v4a_portal.services.errors import InvalidInput, Unavailable


def test_defaults() -> None:
    found = {p.code: p for p in catalog.products()}
    assert [(p.code, p.credits, p.amount_cents) for p in found.values()] == [
        ("pack_500", 500, 500),
        ("pack_1200", 1200, 1000),
        ("pack_3000", 3000, 2000),
        ("basic", 1500, 1200),
        ("pro", 5000, 3500),
    ]
    assert found["pack_3000"].credits_per_dollar == 150.0
    assert found["basic"].mode == "subscription" and found["pack_500"].mode == "payment"
    assert found["basic"].price_id == "price_v4a_basic"
    assert catalog.by_price_id("price_v4a_pro") == found["pro"]
    assert catalog.by_price_id("price_someone_else") is None


def test_live_mode_sells_only_configured_prices() -> None:
    with settings_env(
        V4A_STRIPE_MODE="live",
        V4A_STRIPE_PRICES_LIVE='{"basic": "price_live_basic"}',
        V4A_CREDIT_PACKS="800=7.50",
    ):
        found = {p.code: p for p in catalog.products()}
        assert found["pack_800"].amount_cents == 750 and found["pack_800"].price_id == ""
        assert found["basic"].price_id == "price_live_basic"
        assert catalog.sellable("basic").code == "basic"
        with pytest.raises(Unavailable):
            catalog.sellable("pack_800")
    with pytest.raises(InvalidInput):
        catalog.get("pack_800")
