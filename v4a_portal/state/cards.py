"""What the Studio and the Library show of a photo and a script: plain rows built from models.

Rows carry only what the page renders (anything sent to the browser is public), with the
words and links already made, so the pages stay free of formatting logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from v4a_portal import routes
from v4a_portal.models import GeneratedScript, UploadedImage
from v4a_portal.services import images
from v4a_portal.services.scripts import text_format
from v4a_portal.state import formatting, messages

_FORMAT_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP"}


# A line of a script as shown: the labelled text form read by its one grammar.
ScriptLine = text_format.LabelledLine


@dataclass(frozen=True)
class ScriptCard:
    id: int
    text: str
    # The text read back as labelled lines, for showing; editing works on `text`.
    lines: list[ScriptLine]
    product: str
    # "Playful · English · 8 s": the inputs it was written from.
    brief: str
    writer: str
    credits: int
    when: str
    # "Regenerated from #12", or "" for a first script.
    lineage: str
    studio_url: str
    # The brief as entered, to fill the Studio's form again ("" / 0 when not given).
    audience: str = ""
    tone: str = ""
    language: str = ""
    duration: int = 0


@dataclass(frozen=True)
class PhotoCard:
    id: int
    url: str
    thumbnail_url: str  # for grids and pickers; `url` for a photo shown large
    name: str
    # "1200 × 800 · JPEG · 245 KB"
    details: str
    uploaded: str
    studio_url: str
    # Filled in by the Library only: the photo's newest scripts and how many there are.
    scripts: list[ScriptCard] = field(default_factory=list)
    script_total: int = 0


def file_size(size: int | None) -> str:
    if not size:
        return ""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def photo_card(
    image: UploadedImage, scripts: list[GeneratedScript] | None = None, script_total: int = 0
) -> PhotoCard:
    assert image.id is not None
    dimensions = f"{image.width} × {image.height}" if image.width and image.height else ""
    kind = _FORMAT_NAMES.get(image.content_type or "", "")
    details = " · ".join(p for p in (dimensions, kind, file_size(image.size)) if p)
    return PhotoCard(
        id=image.id,
        url=images.url_for(image),  # signed per request when the bucket is private
        thumbnail_url=images.thumbnail_url_for(image),
        name=image.original_filename or "Photo",
        details=details,
        uploaded=formatting.day(image.created_at),
        studio_url=routes.studio(photo=image.id),
        scripts=[script_card(s) for s in scripts or []],
        script_total=script_total,
    )


def script_card(script: GeneratedScript) -> ScriptCard:
    assert script.id is not None
    duration = f"{script.target_duration} s" if script.target_duration else ""
    parts = (messages.tone_label(script.tone), messages.language_label(script.language), duration)
    parent = script.parent_script_id
    return ScriptCard(
        id=script.id,
        text=script.script_text,
        lines=script_lines(script.script_text),
        product=script.product or "Untitled product",
        brief=" · ".join(p for p in parts if p),
        writer=messages.writer_label(script.writer),
        credits=script.credits_used,
        when=formatting.timestamp(script.created_at),
        lineage=f"Regenerated from #{parent}" if parent else "",
        studio_url=routes.studio(script=script.id),
        audience=script.audience or "",
        tone=script.tone or "",
        language=script.language or "",
        duration=script.target_duration or 0,
    )


def script_lines(text: str) -> list[ScriptLine]:
    return text_format.labelled_lines(text)
