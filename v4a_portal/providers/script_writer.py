"""The script-writer interface: a brief (product, audience, photo...) in, an AdScript out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from v4a_portal.providers.script_format import AdScript


@dataclass(frozen=True)
class Brief:
    product: str
    audience: str | None
    tone: str | None
    language: str
    target_duration: int
    image_bytes: bytes
    image_content_type: str


class WriterError(Exception):
    """The writer could not produce a script; `message` is safe to show the user."""

    def __init__(self, message: str, *, code: str = "writer_failed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ScriptWriter(Protocol):
    name: str

    def write(self, brief: Brief) -> AdScript: ...
