"""The storage interface both backends implement; callers only ever see this."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CACHE_CONTROL = "public, max-age=31536000, immutable"  # keys are never reused (UUIDs)


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    md5: str | None = None  # hex digest, when the backend keeps one


class Storage(ABC):
    name: str

    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Store the file at `path` under `key`, streaming it (never whole in memory)."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object; raises NotFound when it is missing."""

    @abstractmethod
    def stat(self, key: str) -> ObjectInfo | None: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    @abstractmethod
    def public_url(self, key: str) -> str:
        """The durable address, the one stored in the database."""

    def url(self, key: str) -> str:
        """The address to hand a client now (signed and short-lived when so configured)."""
        return self.public_url(key)

    def download_url(self, key: str, filename: str) -> str:
        """An address that makes a browser save the object as `filename` (a safe name).
        Backends that cannot ask for that answer `url(key)`."""
        return self.url(key)

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()
