"""The signing key: made once per install and kept private; refused when unsafe on https."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.api.conftest import settings_env
from v4a_portal.services import signing_key
from v4a_portal.services.signing_key import InsecureSigningKey, secret_key

OLD_DEFAULT = "dev-secret-change-me-0123456789abcdef"


def test_without_a_key_one_is_made_kept_private_and_reused(tmp_path: Path) -> None:
    with settings_env(V4A_SECRET_KEY="", V4A_DATA_DIR=str(tmp_path)):
        key = secret_key()
        stored = tmp_path / signing_key.KEY_FILE
        assert stored.read_text() == key and len(key) >= signing_key.MIN_LENGTH
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        signing_key._resolve.cache_clear()  # another process: reads the same file
        assert secret_key() == key
    assert not list(tmp_path.glob(".secret_key.*"))  # no temp file left behind


def test_each_install_gets_its_own_key(tmp_path: Path) -> None:
    keys = set()
    for name in ("a", "b"):
        with settings_env(V4A_SECRET_KEY="", V4A_DATA_DIR=str(tmp_path / name)):
            keys.add(secret_key())
    assert len(keys) == 2 and OLD_DEFAULT not in keys


def test_a_configured_key_wins(tmp_path: Path) -> None:
    with settings_env(V4A_SECRET_KEY="k" * 40, V4A_DATA_DIR=str(tmp_path)):
        assert secret_key() == "k" * 40
    assert not (tmp_path / signing_key.KEY_FILE).exists()


def test_the_published_default_is_never_used(tmp_path: Path) -> None:
    with settings_env(V4A_SECRET_KEY=OLD_DEFAULT, V4A_DATA_DIR=str(tmp_path)):
        assert secret_key() not in signing_key.PUBLISHED_KEYS


@pytest.mark.parametrize(
    ("key", "why"),
    [("", "is missing"), ("short-key", "shorter than 32"), (OLD_DEFAULT, "published")],
)
def test_https_without_a_safe_key_refuses_to_start(tmp_path: Path, key: str, why: str) -> None:
    from v4a_portal.api.app import create_api

    env = {"V4A_SECRET_KEY": key, "V4A_DATA_DIR": str(tmp_path)}
    with settings_env(V4A_PUBLIC_URL="https://portal.example", **env):
        with pytest.raises(InsecureSigningKey, match=why) as refused:
            create_api()
        assert "V4A_SECRET_KEY" in str(refused.value)
    assert not (tmp_path / signing_key.KEY_FILE).exists()


def test_https_with_a_long_key_starts(tmp_path: Path) -> None:
    from v4a_portal.api.app import create_api

    env = {"V4A_SECRET_KEY": "s" * 32, "V4A_DATA_DIR": str(tmp_path)}
    with settings_env(V4A_PUBLIC_URL="https://portal.example", **env):
        create_api()
