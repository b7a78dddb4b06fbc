"""The local script writer: deterministic, no key, no network.

It reads simple traits of the photo (dominant colours, orientation, brightness) and
combines them with product, audience and tone, so the same brief always gives the same
script and different photos give visibly different ones. A regeneration (the brief's
`variant`) reseeds the choice of hook, shots and wording, so each version differs.
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
# Per tone: openers, calls to action, and the video's style. The first of each is what a
# first script uses; a regeneration picks among all of them (see `_Choices`).
_TONES = {
    "playful": (
        ("Wait for it...", "Guess what just landed?", "Okay, this is fun.", "Plot twist:"),
        ("Treat yourself", "Go on, grab one", "Join the fun"),
        "bouncy, bright, quick cuts",
    ),
    "luxury": (
        ("Crafted for the few.", "Quiet excellence.", "Some things are simply better.", "Indulge."),
        ("Discover it today", "Make it yours", "Experience it now"),
        "slow, elegant, soft light",
    ),
    "energetic": (
        ("Ready, set, go!", "No time to waste!", "Turn it up!", "Here it comes!"),
        ("Grab yours now", "Get it today", "Don't miss out"),
        "dynamic, punchy, fast pans",
    ),
    "calm": (
        ("Take a breath.", "Slow down for a moment.", "Let the day go quiet.", "Breathe in."),
        ("Find your calm", "Make room for calm", "Settle in today"),
        "gentle, airy, slow drift",
    ),
    "professional": (
        ("Built to perform.", "Designed to deliver.", "Work smarter.", "Results you can see."),
        ("Learn more today", "See what it can do", "Get started today"),
        "clean, confident, steady",
    ),
}
_BENEFITS = (
    "made for every day",
    "that turns heads",
    "you will reach for again",
    "that just works",
    "small thing, big difference",
    "worth every moment",
)
_HOOKS = (
    "{opener} Meet the {product}.",
    "{opener} This is the {product}.",
    "{opener} The {product} is here.",
)
_OPENING_SHOTS = (
    "Close-up of the {product} on a {main} backdrop, slow push-in",
    "The {product} slides into frame against {main}, a quick reveal",
    "Macro detail of the {product} on {main}, then a gentle pull back",
)
_SECOND_SHOTS = (
    "The {product} turns to catch {accent} highlights",
    "A light sweep across the {product}, {accent} glints",
    "Side view of the {product}, {accent} reflections rolling past",
)
_CLOSING_TEXTS = ("For {audience}", "Made for {audience}", "Chosen by {audience}")
_CAMERA = (
    "Camera slowly pushes in, then orbits slightly",
    "Camera glides sideways, then settles on a hero angle",
    "Camera rises from a low angle, then holds steady",
)


class _Choices:
    """Which phrasing of each part to use: the first ones for a first script (stable per
    brief), picks seeded by the brief and the variant for a regeneration."""

    def __init__(self, brief_key: str, variant: str) -> None:
        self.variant = variant
        self.seed = int(hashlib.sha256(f"{brief_key}|{variant}".encode()).hexdigest(), 16)
        self.first_benefit = int(hashlib.sha256(brief_key.encode()).hexdigest(), 16) % 4

    def pick(self, options: tuple[str, ...], slot: int) -> str:
        if not self.variant:
            return options[0]
        return options[(self.seed >> (slot * 8)) % len(options)]

    def benefit(self) -> str:
        return _BENEFITS[self.first_benefit] if not self.variant else self.pick(_BENEFITS, 7)


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
        openers, ctas, style = _TONES.get(tone_key, _TONES["energetic"])
        audience = brief.audience or "everyone who loves great things"
        product = brief.product.strip()
        main = colours[0] if colours else "natural"
        accent = colours[1] if len(colours) > 1 else main
        # Stable per brief; a regeneration's variant reseeds every choice.
        choose = _Choices(f"{product}|{audience}|{tone_key}", brief.variant)
        opener = choose.pick(openers, 0)
        total = brief.target_duration
        first = max(1, total // 3)
        second = max(1, total // 3)
        third = max(1, total - first - second)
        scenes = [
            Scene(
                visual=choose.pick(_OPENING_SHOTS, 1).format(product=product, main=main),
                on_screen_text=opener[:120],
                seconds=first,
            ),
            Scene(
                visual=choose.pick(_SECOND_SHOTS, 2).format(product=product, accent=accent),
                on_screen_text=f"{product}: {choose.benefit()}"[:120],
                seconds=second,
            ),
            Scene(
                visual=f"Wide {shape} shot of the {product}, logo space at the bottom",
                on_screen_text=choose.pick(_CLOSING_TEXTS, 3).format(audience=audience)[:120],
                seconds=third,
            ),
        ]
        prompt = (
            f"Product ad for {product}, {style}. Start from the photo: the {product} on a "
            f"{main} and {accent} palette. {choose.pick(_CAMERA, 4)}; "
            f"keep the product sharp and centred, no people, no text artefacts. "
            f"{total} seconds, {brief.language} market."
        )
        hook = choose.pick(_HOOKS, 5).format(opener=opener, product=product)
        return AdScript(
            hook=hook[:200],
            scenes=scenes,
            call_to_action=f"{choose.pick(ctas, 6)}: {product}"[:120],
            video_prompt=prompt[:1500],
        )
