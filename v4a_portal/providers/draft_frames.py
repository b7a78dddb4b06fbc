"""Frames of a draft clip: a slow pan/zoom (Ken Burns) over the photo, timed captions.

Everything expensive happens once per clip (the photo scaled to a canvas) or once per
caption (its box, text and fade masks); a frame is one resize from the canvas plus small
pastes, so drawing stays well under the encoder's cost.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from PIL import Image, ImageDraw, ImageFont, ImageOps

from v4a_portal.providers.video_provider import Caption

ZOOM = 1.15  # the clip ends this much closer than it starts
FADE_SECONDS = 0.3
_FADE_LEVELS = 8  # fades use a few precomputed masks instead of one per frame
_FONT_FILES = ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf")


@lru_cache
def font(size: int) -> ImageFont.FreeTypeFont:
    for name in _FONT_FILES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    # Pillow's bundled scalable font (given a size, load_default always returns a FreeTypeFont)
    return cast(ImageFont.FreeTypeFont, ImageFont.load_default(size))


def open_photo(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


@dataclass(frozen=True)
class Overlay:
    """A pre-rendered caption: RGB pixels, one mask per fade level, where and when."""

    start: float
    end: float
    position: tuple[int, int]
    pixels: Image.Image
    masks: tuple[Image.Image, ...]

    def mask_at(self, t: float) -> Image.Image | None:
        if not self.start <= t < self.end:
            return None
        edge = min(t - self.start, self.end - t) / FADE_SECONDS
        level = min(_FADE_LEVELS, int(edge * _FADE_LEVELS) + 1)
        return self.masks[level - 1]


def _wrap(text: str, face: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and face.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines[:4]  # a caption longer than four lines would cover the product


def caption_overlay(caption: Caption, width: int, height: int) -> Overlay | None:
    text = " ".join(caption.text.split())
    if not text or caption.end <= caption.start:
        return None
    size = max(16, round(min(width, height) * 0.06))
    face = font(size)
    pad = size // 2
    lines = _wrap(text, face, int(width * 0.84) - 2 * pad)
    line_height = round(size * 1.25)
    text_width = max(int(face.getlength(line)) for line in lines)
    box = (text_width + 2 * pad, line_height * len(lines) + 2 * pad)
    image = Image.new("RGBA", box, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, box[0] - 1, box[1] - 1), radius=pad, fill=(0, 0, 0, 165))
    for n, line in enumerate(lines):
        x = (box[0] - face.getlength(line)) / 2
        draw.text((x, pad + n * line_height), line, font=face, fill=(255, 255, 255, 255))
    alpha = image.getchannel("A")
    masks = tuple(
        alpha.point(lambda v, k=k: v * k // _FADE_LEVELS) for k in range(1, _FADE_LEVELS + 1)
    )
    # Lower third, clear of the platform UI that covers a vertical video's bottom edge.
    y = int(height * (0.70 if height > width else 0.76)) - box[1] // 2
    position = ((width - box[0]) // 2, max(0, min(height - box[1], y)))
    return Overlay(caption.start, caption.end, position, image.convert("RGB"), masks)


def draft_badge(width: int, height: int) -> tuple[Image.Image, Image.Image]:
    """A small "DRAFT PREVIEW" tag, so nobody mistakes a preview for the final ad."""
    face = font(max(12, round(min(width, height) * 0.028)))
    text = "DRAFT PREVIEW"
    pad = int(face.size) // 2 if isinstance(face, ImageFont.FreeTypeFont) else 6
    box = (int(face.getlength(text)) + 2 * pad, int(face.size * 1.2) + 2 * pad)
    image = Image.new("RGBA", box, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, box[0] - 1, box[1] - 1), radius=pad, fill=(255, 255, 255, 150))
    draw.text((pad, pad), text, font=face, fill=(20, 20, 20, 255))
    return image.convert("RGB"), image.getchannel("A")


def _ease(x: float) -> float:
    return x * x * (3 - 2 * x)  # smoothstep: starts and stops gently


class KenBurns:
    """Pan/zoom over the photo. The canvas is scaled once to ZOOM x the output, so the last
    frame is 1:1 and every frame is a (downscaling) resize of a box of the canvas."""

    def __init__(self, photo: Image.Image, width: int, height: int, seed: int = 0) -> None:
        self.size = (width, height)
        canvas_size = (round(width * ZOOM), round(height * ZOOM))
        self.canvas = ImageOps.fit(photo, canvas_size, Image.Resampling.LANCZOS)
        # Drift toward one of four corners, so a batch of clips does not all move alike.
        self.drift = ((-1, -1), (1, -1), (-1, 1), (1, 1))[seed % 4]

    def frame(self, x: float) -> Image.Image:
        """The frame at fraction x (0..1) of the clip."""
        e = _ease(max(0.0, min(1.0, x)))
        cw, ch = self.canvas.size
        scale = 1 + (ZOOM - 1) * e  # 1 = whole canvas, ZOOM = the output size
        bw, bh = cw / scale, ch / scale
        # The centre moves up to half the margin the zoom frees, in the drift direction.
        cx = cw / 2 + self.drift[0] * (cw - bw) / 2 * e
        cy = ch / 2 + self.drift[1] * (ch - bh) / 2 * e
        box = (cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2)
        return self.canvas.resize(self.size, Image.Resampling.BILINEAR, box=box)


class DraftFrames:
    """Every frame of a draft render, drawable in any order and from several threads at once
    (frames share only read-only images)."""

    def __init__(
        self,
        photo: Image.Image,
        width: int,
        height: int,
        duration: float,
        fps: int,
        captions: tuple[Caption, ...] = (),
        seed: int = 0,
    ) -> None:
        self.fps = fps
        self.frame_count = round(duration * fps)
        self._motion = KenBurns(photo, width, height, seed)
        self._overlays = [o for c in captions if (o := caption_overlay(c, width, height))]
        self._badge, self._badge_mask = draft_badge(width, height)
        margin = round(min(width, height) * 0.03)
        self._badge_at = (margin, margin)

    def frame(self, n: int) -> Image.Image:
        t = n / self.fps
        image = self._motion.frame(n / max(1, self.frame_count - 1))
        image.paste(self._badge, self._badge_at, self._badge_mask)
        for overlay in self._overlays:
            if (mask := overlay.mask_at(t)) is not None:
                image.paste(overlay.pixels, overlay.position, mask)
        return image
