"""The local script writer: deterministic, no key, no network.

It reads simple traits of the photo (dominant colours, orientation, brightness) and
combines them with product, audience and tone, so the same brief always gives the same
script and different photos give visibly different ones.
"""

from __future__ import annotations

import hashlib
import io
from typing import cast

from PIL import Image

from v4a_portal.providers.script_writer import AdScript, Brief, Scene, WriterError

# A small named palette; each photo colour is described by its nearest entry.
_PALETTE = {
    "black": (20, 20, 20),
    "white": (240, 240, 240),
    "grey": (128, 128, 128),
    "red": (200, 40, 40),
    "orange": (240, 140, 30),
    "yellow": (240, 220, 60),
    "green": (50, 160, 70),
    "teal": (30, 150, 150),
    "blue": (40, 90, 200),
    "purple": (130, 60, 170),
    "pink": (240, 130, 180),
    "brown": (120, 80, 40),
    "beige": (220, 200, 160),
    "navy": (20, 30, 90),
}
_TONES = {
    "playful": ("Wait for it...", "Treat yourself", "bouncy, bright, quick cuts"),
    "luxury": ("Crafted for the few.", "Discover it today", "slow, elegant, soft light"),
    "energetic": ("Ready, set, go!", "Grab yours now", "dynamic, punchy, fast pans"),
    "calm": ("Take a breath.", "Find your calm", "gentle, airy, slow drift"),
    "professional": ("Built to perform.", "Learn more today", "clean, confident, steady"),
}


def dominant_colours(image_bytes: bytes, count: int = 3) -> list[str]:
    with Image.open(io.BytesIO(image_bytes)) as img:
        small = img.convert("RGB").resize((64, 64))
    quant = small.quantize(colors=6, method=Image.Quantize.MEDIANCUT)
    palette = quant.getpalette() or []
    names: list[str] = []
    # A "P" image's colours are palette indexes.
    for _, index in sorted(cast("list[tuple[int, int]]", quant.getcolors() or []), reverse=True):
        rgb = tuple(palette[index * 3 : index * 3 + 3])
        name = min(
            _PALETTE, key=lambda n: sum((a - b) ** 2 for a, b in zip(_PALETTE[n], rgb, strict=True))
        )
        if name not in names:
            names.append(name)
        if len(names) == count:
            break
    return names


def _orientation(image_bytes: bytes) -> str:
    with Image.open(io.BytesIO(image_bytes)) as img:
        w, h = img.size
    return "portrait" if h > w * 1.1 else "landscape" if w > h * 1.1 else "square"


class LocalWriter:
    name = "local"

    def write(self, brief: Brief) -> AdScript:
        try:
            colours = dominant_colours(brief.image_bytes)
            shape = _orientation(brief.image_bytes)
        except Exception as exc:  # an unreadable photo is the writer's failure to report
            raise WriterError("The photo could not be read for the script.") from exc
        tone_key = (brief.tone or "energetic").strip().lower()
        opener, cta_phrase, style = _TONES.get(tone_key, _TONES["energetic"])
        audience = brief.audience or "everyone who loves great things"
        product = brief.product.strip()
        main = colours[0] if colours else "natural"
        accent = colours[1] if len(colours) > 1 else main
        # A stable choice among phrasings, seeded by the brief itself.
        seed = int(hashlib.sha256(f"{product}|{audience}|{tone_key}".encode()).hexdigest(), 16)
        benefit = [
            "made for every day",
            "that turns heads",
            "you will reach for again",
            "that just works",
        ][seed % 4]
        total = brief.target_duration
        first = max(1, total // 3)
        second = max(1, total // 3)
        third = max(1, total - first - second)
        scenes = [
            Scene(
                visual=f"Close-up of the {product} on a {main} backdrop, slow push-in",
                on_screen_text=opener[:120],
                seconds=first,
            ),
            Scene(
                visual=f"The {product} turns to catch {accent} highlights",
                on_screen_text=f"{product}: {benefit}"[:120],
                seconds=second,
            ),
            Scene(
                visual=f"Wide {shape} shot of the {product}, logo space at the bottom",
                on_screen_text=f"For {audience}"[:120],
                seconds=third,
            ),
        ]
        prompt = (
            f"Product ad for {product}, {style}. Start from the photo: the {product} on a "
            f"{main} and {accent} palette. Camera slowly pushes in, then orbits slightly; "
            f"keep the product sharp and centred, no people, no text artefacts. "
            f"{total} seconds, {brief.language} market."
        )
        return AdScript(
            hook=f"{opener} Meet the {product}."[:200],
            scenes=scenes,
            call_to_action=f"{cta_phrase}: {product}"[:120],
            video_prompt=prompt[:1500],
        )
