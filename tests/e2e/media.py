"""Photos and scripts for the Studio and Library browser tests: real files and service calls."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

from tests.e2e.servers import Portal


def product_jpeg(path: Path, colour: tuple[int, int, int] = (38, 110, 190)) -> Path:
    """A real JPEG that looks like a product shot: a bottle on a soft backdrop."""
    image = Image.new("RGB", (900, 1200), (236, 232, 226))
    draw = ImageDraw.Draw(image)
    draw.ellipse((250, 1020, 650, 1100), fill=(210, 204, 196))  # shadow
    draw.rounded_rectangle((300, 420, 600, 1060), radius=60, fill=colour)
    draw.rounded_rectangle((390, 250, 510, 440), radius=24, fill=tuple(c // 2 for c in colour))
    draw.rounded_rectangle((340, 620, 560, 820), radius=12, fill=(250, 248, 244))
    image.save(path, "JPEG", quality=88)
    return path


# Runs in the portal's environment: photos (and optionally a script and its regeneration)
# for an existing user, through the same services the UI calls. Prints the ids as JSON.
_MAKE = """
import io, json, sys
from PIL import Image, ImageDraw
from v4a_portal.db import session_scope
from v4a_portal.services import accounts, images, scripts

email, count, with_scripts = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
with session_scope() as s:
    user_id = accounts.by_email(s, email).id
made = []
for n in range(count):
    colour = ((40 + 67 * n) % 200 + 30, (120 + 41 * n) % 160 + 40, (200 - 29 * n) % 200 + 30)
    image = Image.new("RGB", (640, 480), (236, 232, 226))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((250, 150, 390, 440), radius=30, fill=colour)
    draw.rounded_rectangle((290, 60, 350, 160), radius=12, fill=tuple(c // 2 for c in colour))
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    with session_scope() as s:
        image_id = images.save_upload(s, user_id, f"product-{n + 1}.jpg", buf.getvalue()).image.id
    entry = {"image": image_id, "scripts": []}
    if with_scripts:
        brief = scripts.ScriptRequest(image_id, f"Product {n + 1}", tone="calm")
        first = scripts.generate(user_id, brief)
        second = scripts.regenerate(user_id, first.script.id)
        entry["scripts"] = [first.script.id, second.script.id]
    made.append(entry)
print(json.dumps({"user": user_id, "made": made}))
"""


def make_photos(portal: Portal, email: str, count: int = 1, with_scripts: bool = False) -> dict:
    """{"user": id, "made": [{"image": id, "scripts": [first, regenerated]}, ...]}"""
    out = portal.python("-c", _MAKE, email, str(count), "1" if with_scripts else "0")
    return json.loads(out.strip().splitlines()[-1])


def user_id(portal: Portal, email: str) -> int:
    return portal.query("SELECT id FROM users WHERE email = ?", email)[0][0]


def stored_files(portal: Portal, owner: int) -> list[Path]:
    folder = portal.data_dir / "media" / "uploads" / str(owner)
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
