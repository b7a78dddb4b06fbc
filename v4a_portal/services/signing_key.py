"""The key that signs access JWTs and the OAuth state cookie.

A configured `V4A_SECRET_KEY` wins. Without one, a random key is made on first start and kept
in the data folder (mode 0600), so a fresh install needs no set-up while every process of the
portal (web, worker, command line) signs alike and a restart keeps tokens valid. Over https a
missing or short key is a configuration error: the portal refuses to start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path

from v4a_portal.settings import get_settings

log = logging.getLogger(__name__)

MIN_LENGTH = 32
KEY_FILE = "secret_key"
# Keys printed in this project's own source or examples: anyone can sign with them, so they
# never count as configured.
PUBLISHED_KEYS = frozenset(
    {"dev-secret-change-me-0123456789abcdef", "change-me-to-a-long-random-string"}
)


class InsecureSigningKey(RuntimeError):
    """The configuration gives no safe signing key; raised at start, never at request time."""


def secret_key() -> str:
    """The signing key of this installation (see the module docstring)."""
    settings = get_settings()
    return _resolve(settings.secret_key, settings.data_dir, settings.secure_cookies)


@lru_cache(maxsize=8)
def _resolve(configured: str, data_dir: Path, https: bool) -> str:
    published = configured in PUBLISHED_KEYS
    if configured and not published and (len(configured) >= MIN_LENGTH or not https):
        return configured
    if https:
        why = (
            "is a published example"
            if published
            else ("is missing" if not configured else f"is shorter than {MIN_LENGTH} characters")
        )
        raise InsecureSigningKey(
            f"V4A_SECRET_KEY {why}, and V4A_PUBLIC_URL is https: set V4A_SECRET_KEY to a "
            f"random value of at least {MIN_LENGTH} characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    if published:
        log.warning("V4A_SECRET_KEY is a published example value; using the data folder's key")
    return _stored_key(data_dir)


def _stored_key(data_dir: Path) -> str:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written to a private temp file, then linked into place: link fails when another
        # process got there first, so all processes end up reading the same key.
        tmp = data_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < MIN_LENGTH:
        raise InsecureSigningKey(f"{path} holds no usable key; delete it to make a new one.")
    return key
