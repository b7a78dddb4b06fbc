"""The script-writer interface: a brief (product, audience, photo...) in, an AdScript out.

AdScript is the structure every writer returns; its stored text form (what users read and
edit) is services/scripts/text_format.py's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, Field


class Scene(BaseModel):
    visual: str = Field(min_length=1, max_length=400)
    on_screen_text: str = Field(max_length=120)
    seconds: int = Field(ge=1, le=30)


class AdScript(BaseModel):
    hook: str = Field(min_length=1, max_length=200)
    scenes: list[Scene] = Field(min_length=1, max_length=8)
    call_to_action: str = Field(min_length=1, max_length=120)
    video_prompt: str = Field(min_length=1, max_length=1500)


@dataclass(frozen=True)
class Brief:
    product: str
    audience: str | None
    tone: str | None
    language: str
    target_duration: int
    image_bytes: bytes
    image_content_type: str
    # "" for a first script; for a regeneration, which one ("<parent id>:<attempt>"), so a
    # writer can vary hook, angle and wording while keeping to the same brief.
    variant: str = ""


class WriterError(Exception):
    """The writer could not produce a script; `message` is safe to show the user."""

    def __init__(self, message: str, *, code: str = "writer_failed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ScriptWriter(Protocol):
    name: str

    def write(self, brief: Brief) -> AdScript: ...
