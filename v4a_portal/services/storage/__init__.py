"""Media storage: one interface (base.Storage), a local-folder backend and a GCS backend.

`get_storage()` is the configured backend; everything that stores or reads media goes
through it. Keys follow the seed's layout (keys.upload_key, keys.video_key).

The stored key (`file_path`, `thumbnail_path`) is the truth; a URL is made from it when a
page or an answer is built (`url_of`, `video_urls`), because URLs change with the backend,
a CDN base or signing. The seed's `storage_url` / `video_url` columns keep the public URL
at write time for readers of the database; the portal never reads them.
"""

from __future__ import annotations

from v4a_portal.services.errors import InvalidInput
from v4a_portal.services.storage.base import CACHE_CONTROL, ObjectInfo, Storage
from v4a_portal.services.storage.keys import (
    InvalidKey,
    content_type_for,
    photo_thumbnail_key,
    safe_filename,
    thumbnail_key,
    upload_key,
    video_key,
)
from v4a_portal.services.storage.local import LocalStorage
from v4a_portal.settings import Settings, get_settings

__all__ = [
    "CACHE_CONTROL",
    "InvalidKey",
    "LocalStorage",
    "ObjectInfo",
    "Storage",
    "content_type_for",
    "gcs_storage",
    "get_storage",
    "local_storage",
    "photo_thumbnail_key",
    "safe_filename",
    "thumbnail_key",
    "upload_key",
    "url_of",
    "video_key",
    "video_urls",
]

_current: tuple[Settings, Storage] | None = None


def get_storage() -> Storage:
    """The backend the settings choose, built once per settings object."""
    global _current
    settings = get_settings()
    if _current is None or _current[0] is not settings:
        backend = gcs_storage(settings) if settings.storage_backend == "gcs" else None
        _current = (settings, backend or local_storage(settings))
    return _current[1]


def local_storage(settings: Settings | None = None) -> LocalStorage:
    settings = settings or get_settings()
    return LocalStorage(settings.media_dir, settings.public_url)


def gcs_storage(settings: Settings | None = None) -> Storage:
    settings = settings or get_settings()
    if not settings.gcs_bucket_name:
        raise InvalidInput("Set GCS_BUCKET_NAME to use Google Cloud Storage.")
    from v4a_portal.services.storage.gcs import GcsStorage  # the client library is slow to import

    return GcsStorage(
        settings.gcs_bucket_name,
        project=settings.gcs_project or None,
        chunk_size=settings.gcs_chunk_kib * 1024,
        public_base_url=settings.gcs_public_base_url,
        signed_url_minutes=settings.gcs_signed_url_minutes if settings.gcs_signed_urls else None,
    )


def url_of(key: str | None) -> str | None:
    """The URL a browser fetches a stored object at (signed when the bucket is private)."""
    return get_storage().url(key) if key else None


def video_urls(file_path: str | None) -> tuple[str | None, str | None]:
    """A finished video's URL and its thumbnail's; (None, None) before it has a file."""
    if not file_path:
        return None, None
    return url_of(file_path), url_of(thumbnail_key(file_path))
