"""The ad script's labelled text form, stored and edited by users: the one grammar.

The text form is the source of truth (editing a script is editing text), so it has a
small, forgiving grammar: `render` writes it, `parse` reads it back into the structure later
steps need (on-screen captions, the video prompt), and `labelled_lines` reads it for showing,
even after free edits broke the structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from v4a_portal.providers.script_writer import AdScript, Scene

__all__ = ["AdScript", "LabelledLine", "Scene", "labelled_lines", "parse", "render"]

ON_SCREEN = "ON-SCREEN"


def render(script: AdScript) -> str:
    lines = [f"HOOK: {script.hook}", ""]
    for n, scene in enumerate(script.scenes, 1):
        lines.append(f"SCENE {n} ({scene.seconds}s): {scene.visual}")
        lines.append(f"{ON_SCREEN}: {scene.on_screen_text}")
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
        elif upper.startswith(f"{ON_SCREEN}:") and scenes:
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


# "HOOK: ...", "SCENE 2 (3s): ...", "ON-SCREEN: ...": a labelled line of the text form.
_LABELLED = re.compile(r"^([A-Z][A-Za-z0-9 ()\-]{0,30}):\s*(.*)$")


@dataclass(frozen=True)
class LabelledLine:
    label: str
    text: str
    caption: bool = False  # words shown on screen, not a direction


def labelled_lines(text: str) -> list[LabelledLine]:
    """Labelled lines; an unlabelled line continues the one before (users edit freely)."""
    lines: list[LabelledLine] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if match := _LABELLED.match(line):
            label = match.group(1)
            lines.append(LabelledLine(label, match.group(2), label.upper() == ON_SCREEN))
        elif lines:
            last = lines[-1]
            lines[-1] = LabelledLine(last.label, f"{last.text} {line}".strip(), last.caption)
        else:
            lines.append(LabelledLine("", line))
    return lines
