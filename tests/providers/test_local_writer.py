"""The local script writer: deterministic, photo-aware, and its text form round-trips."""

from __future__ import annotations

from PIL import Image

from tests.support.samples import encode
from v4a_portal.providers.local_writer import LocalWriter, dominant_colours
from v4a_portal.providers.script_writer import Brief
from v4a_portal.services.scripts import text_format


def _photo(colour: str) -> bytes:
    return encode(Image.new("RGB", (120, 200), colour), "PNG")


def _brief(photo: bytes, **changes: object) -> Brief:
    base = {
        "product": "Trail Mug",
        "audience": "hikers",
        "tone": "calm",
        "language": "en",
        "target_duration": 8,
        "image_bytes": photo,
        "image_content_type": "image/png",
    }
    base.update(changes)
    return Brief(**base)  # type: ignore[arg-type]


def test_same_brief_same_script() -> None:
    photo = _photo("red")
    assert LocalWriter().write(_brief(photo)) == LocalWriter().write(_brief(photo))


def test_photo_colours_change_the_script() -> None:
    red = LocalWriter().write(_brief(_photo("red")))
    blue = LocalWriter().write(_brief(_photo("blue")))
    assert "red" in red.video_prompt and "blue" in blue.video_prompt
    assert red != blue
    assert dominant_colours(_photo("blue"))[0] == "blue"


def test_inputs_shape_the_script() -> None:
    photo = _photo("green")
    calm = LocalWriter().write(_brief(photo))
    loud = LocalWriter().write(_brief(photo, tone="energetic", target_duration=12))
    assert calm.hook != loud.hook
    assert sum(s.seconds for s in loud.scenes) == 12
    assert any("hikers" in s.on_screen_text for s in calm.scenes)
    assert "portrait" in calm.scenes[-1].visual  # 120x200 photo


def test_text_form_round_trips_and_rejects_broken_text() -> None:
    script = LocalWriter().write(_brief(_photo("orange")))
    text = text_format.render(script)
    assert text_format.parse(text) == script
    assert text_format.parse("just some words") is None
    assert text_format.parse(text.replace("CTA:", "Call:")) is None
