"""Draft render speed: 720x1280 clips of 4 and 8 s through the real draft renderer (detached
process, Pillow frames, ffmpeg libx264), from submit to the finished file.

Prints, per clip length, the median wall time, the seconds of rendering per second of video
(aim < 1: faster than real time) and the CPU seconds the render used (Python and ffmpeg);
the load average shows how busy the machine was, since wall time depends on it.

    .venv/bin/python bench/draft_render.py [--repeat 3] [--durations 4 8]

The photo is a 2000x1500 synthetic product shot (shapes, text, light noise, slight blur).
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make the portal package importable
    sys.path.insert(0, str(ROOT))

from v4a_portal.providers import draft_renderer  # noqa: E402
from v4a_portal.providers.draft_renderer import DraftRenderer, RenderDir  # noqa: E402
from v4a_portal.providers.video_provider import Caption, GenerationSpec  # noqa: E402


def photo() -> bytes:
    """A product-shot stand-in: gradient backdrop, a labelled mug, light sensor noise."""
    size = (2000, 1500)
    ramp = Image.linear_gradient("L").resize(size)
    image = Image.merge("RGB", (ramp, ramp.point(lambda v: v * 3 // 4), Image.new("L", size, 90)))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (700, 350, 1300, 1250), radius=60, fill=(235, 228, 214), outline=(60, 40, 30), width=12
    )
    draw.ellipse((1280, 550, 1560, 950), outline=(235, 228, 214), width=60)
    draw.rectangle((760, 600, 1240, 760), fill=(170, 40, 40))
    draw.text((800, 640), "ACME COFFEE", fill="white", font_size=64)
    noise = Image.effect_noise(size, 30).convert("RGB")
    image = Image.blend(image, noise, 0.08).filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def captions(duration: int) -> tuple[Caption, ...]:
    lines = ("Your mornings, upgraded.", "Fresh every day", "Order yours today")
    step = duration / len(lines)
    return tuple(Caption(i * step, (i + 1) * step, text) for i, text in enumerate(lines))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def render_once(renderer: DraftRenderer, image: bytes, duration: int) -> tuple[float, float]:
    spec = GenerationSpec(
        "draft", "bench", duration, "720x1280", image, "image/jpeg", captions(duration)
    )
    cpu, start = children_cpu(), time.perf_counter()
    job_id = renderer.submit(spec)
    while not (status := renderer.poll(job_id)).done:
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if status.error_code:
        raise SystemExit(f"render failed: {status}")
    # The file is there a moment before the render process exits: wait for it (and reap
    # it), so its CPU time is counted in this run, not the next.
    pid = int(RenderDir(renderer.root / job_id).pid.read_text())
    while draft_renderer._alive(pid):
        time.sleep(0.005)
    return wall, children_cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--durations", type=int, nargs="+", default=[4, 8])
    args = parser.parse_args()
    image = photo()
    print(f"{os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'clip':<8}{'wall s':>10}{'wall s per s of video':>24}{'CPU s':>8}{'CPU s per s':>14}")
    with tempfile.TemporaryDirectory() as folder:
        renderer = DraftRenderer(Path(folder) / "renders")
        render_once(renderer, image, 4)  # warm the page cache: ffmpeg, Python, fonts
        for duration in args.durations:
            runs = [render_once(renderer, image, duration) for _ in range(args.repeat)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(
                f"{duration:>2} s    {wall:>10.2f}{wall / duration:>24.2f}{cpu:>8.2f}"
                f"{cpu / duration:>14.2f}"
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        "aim: wall s per s of video < 1. Frames are drawn on threads while ffmpeg encodes, so on"
        " an idle machine with 2 cores wall time is about CPU time / 2."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
