"""Google Cloud Storage backend: the seed's bucket layout, public or signed URLs.

Files larger than one chunk go up as resumable uploads read from disk a chunk at a time;
smaller ones in one request. Tests point the client at gcp-storage-emulator through
STORAGE_EMULATOR_HOST, which also makes the client use anonymous credentials.
"""

from __future__ import annotations

import base64
import contextlib
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import google.auth.transport.requests
from google.api_core import exceptions as gexc
from google.auth import credentials as gcreds
from google.cloud import storage as gcs

from v4a_portal.services.errors import NotFound
from v4a_portal.services.storage.base import CACHE_CONTROL, ObjectInfo, Storage
from v4a_portal.services.storage.keys import validate


class GcsStorage(Storage):
    name = "gcs"

    def __init__(
        self,
        bucket_name: str,
        *,
        client: gcs.Client | None = None,
        project: str | None = None,
        chunk_size: int = 8 * 1024 * 1024,
        public_base_url: str = "https://storage.googleapis.com",
        signed_url_minutes: int | None = None,
        signing_credentials: gcreds.Signing | None = None,
    ) -> None:
        self.client = client or gcs.Client(project=project or None)
        self.bucket = self.client.bucket(bucket_name)
        self.chunk_size = chunk_size
        self.public_base_url = public_base_url.rstrip("/")
        self.signed_url_minutes = signed_url_minutes
        self.signing_credentials = signing_credentials

    def _blob(self, key: str) -> gcs.Blob:
        return self.bucket.blob(validate(key), chunk_size=self.chunk_size)

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        blob = self._blob(key)
        blob.cache_control = CACHE_CONTROL
        size = path.stat().st_size
        with path.open("rb") as source:
            # With a known size the library sends anything up to 8 MiB as one request
            # read whole into memory; size=None makes it resumable, one chunk at a time.
            blob.upload_from_file(
                source, content_type=content_type, size=size if size <= self.chunk_size else None
            )

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        blob = self._blob(key)
        blob.cache_control = CACHE_CONTROL
        blob.upload_from_string(data, content_type=content_type)

    def open(self, key: str) -> BinaryIO:
        blob = self.bucket.get_blob(validate(key))
        if blob is None:
            raise NotFound("The file is not in storage.")
        return blob.open("rb", chunk_size=self.chunk_size)

    def stat(self, key: str) -> ObjectInfo | None:
        blob = self.bucket.get_blob(validate(key))
        if blob is None:
            return None
        md5 = base64.b64decode(blob.md5_hash).hex() if blob.md5_hash else None
        return ObjectInfo(key, int(blob.size or 0), md5)

    def delete(self, key: str) -> None:
        with contextlib.suppress(gexc.NotFound):
            self._blob(key).delete()

    def public_url(self, key: str) -> str:
        return f"{self.public_base_url}/{self.bucket.name}/{quote(validate(key))}"

    def url(self, key: str) -> str:
        if not self.signed_url_minutes:
            return self.public_url(key)
        return self._signed(key, self.signed_url_minutes)

    def download_url(self, key: str, filename: str) -> str:
        # Only a signed URL asks the bucket for an attachment: a public one may sit behind a
        # CDN that drops the query string or caches by it, so a browser may play that one.
        if not self.signed_url_minutes:
            return self.public_url(key)
        disposition = f'attachment; filename="{filename}"'
        return self._signed(key, self.signed_url_minutes, response_disposition=disposition)

    def _signed(self, key: str, minutes: int, **extra: str) -> str:
        return self._blob(key).generate_signed_url(
            version="v4",
            expiration=timedelta(minutes=minutes),
            method="GET",
            api_access_endpoint=self.public_base_url,
            **extra,
            **self._signer(),
        )

    def _signer(self) -> dict[str, object]:
        """Sign with a key when we hold one; else (GCE, Cloud Run) through IAM signBlob."""
        creds = self.signing_credentials or self.client._credentials  # no public accessor
        if isinstance(creds, gcreds.Signing):
            return {"credentials": creds}
        if not creds.valid:
            creds.refresh(google.auth.transport.requests.Request())
        return {"service_account_email": creds.service_account_email, "access_token": creds.token}
