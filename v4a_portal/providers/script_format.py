"""The ad script: its structured form and the plain-text form stored and edited by users.

The text form is the source of truth (editing a script is editing text), so it has a
small, forgiving grammar that `parse` reads back into the structure later steps need
(on-screen captions, the video prompt).
"""

from __future__ import annotations

import re

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


def render(script: AdScript) -> str:
    lines = [f"HOOK: {script.hook}", ""]
    for n, scene in enumerate(script.scenes, 1):
        lines.append(f"SCENE {n} ({scene.seconds}s): {scene.visual}")
        lines.append(f"ON-SCREEN: {scene.on_screen_text}")
        lines.append("")
    lines.append(f"CTA: {script.call_to_action}")
    lines.append("")
    lines.append(f"VIDEO PROMPT: {script.video_prompt}")
    return "\n".join(lines)


_SCENE = re.compile(r"^SCENE\s+\d+\s*\((\d+)\s*s\)\s*:\s*(.*)$", re.IGNORECASE)


def parse(text: str) -> AdScript | None:
    """Read the text form back; None when the text no longer follows the grammar."""
    hook = cta = prompt = ""
    scenes: list[Scene] = []
    for raw in text.splitlines():
        line = raw.strip()
        upper = line.upper()
        if match := _SCENE.match(line):
            scenes.append(
                Scene(
                    visual=match.group(2) or "-",
                    on_screen_text="",
                    seconds=max(1, min(30, int(match.group(1)))),
                )
            )
        elif upper.startswith("ON-SCREEN:") and scenes:
            scenes[-1].on_screen_text = line.split(":", 1)[1].strip()[:120]
        elif upper.startswith("HOOK:"):
            hook = line.split(":", 1)[1].strip()
        elif upper.startswith("CTA:"):
            cta = line.split(":", 1)[1].strip()
        elif upper.startswith("VIDEO PROMPT:"):
            prompt = line.split(":", 1)[1].strip()
    if not (hook and scenes and cta and prompt):
        return None
    try:
        return AdScript(
            hook=hook[:200], scenes=scenes, call_to_action=cta[:120], video_prompt=prompt[:1500]
        )
    except ValueError:
        return None
