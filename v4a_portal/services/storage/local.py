"""Local backend: files under the media folder, served by the web process at /media/{key}."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, unquote, urlencode, urlsplit

from v4a_portal.services.errors import NotFound
from v4a_portal.services.storage.base import ObjectInfo, Storage
from v4a_portal.services.storage.keys import InvalidKey, validate

MEDIA_PREFIX = "/media/"
# The media route's query parameter that serves a file as an attachment under this name,
# without counting a download (`?download=1`, which counts, is for links made before).
SAVE_AS = "save_as"


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: Path, base_url: str) -> None:
        self.root = root.resolve()
        self.base_url = base_url.rstrip("/")

    def path(self, key: str) -> Path:
        """The file for `key`; raises InvalidKey for anything that would leave the root."""
        path = (self.root / validate(key)).resolve()
        if not path.is_relative_to(self.root):  # a symlink pointing out of the folder
            raise InvalidKey(f"{key!r} leaves the media folder")
        return path

    def put_file(self, key: str, path: Path, content_type: str) -> None:
        with path.open("rb") as source:
            self._write(key, source)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self._write(key, io.BytesIO(data))

    def _write(self, key: str, source: BinaryIO) -> None:
        # Write beside the target and rename: readers never see half a file, and a
        # crash leaves only a dot-file that no key can name.
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError, InvalidKey) as exc:
            raise NotFound("The file is not in storage.") from exc

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            path = self.path(key)
        except InvalidKey:
            return None
        return ObjectInfo(key, path.stat().st_size) if path.is_file() else None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def public_url(self, key: str) -> str:
        return f"{self.base_url}{MEDIA_PREFIX}{quote(validate(key))}"

    def download_url(self, key: str, filename: str) -> str:
        return f"{self.public_url(key)}?{urlencode({SAVE_AS: filename})}"

    def all_keys(self) -> Iterator[str]:
        """Every stored key, skipping anything no key could name (temporary files)."""
        for path in sorted(self.root.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and not path.is_symlink():
                try:
                    yield validate(key)
                except InvalidKey:
                    continue

    def key_from_url(self, url: str) -> str | None:
        """The key behind a URL this backend made, whatever host it was made for."""
        path = urlsplit(url).path
        if not path.startswith(MEDIA_PREFIX):
            return None
        try:
            return validate(unquote(path[len(MEDIA_PREFIX) :]))
        except InvalidKey:
            return None
