"""The drop zone for one product photo: drag and drop or click, refusing other types early.

The accept list and size limit only spare the user a doomed upload; the server decides
from the bytes (services/images.py).
"""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import Var

# What the browser offers in its file picker and lets through a drop.
ACCEPT = {
    "image/jpeg": [".jpg", ".jpeg"],
    "image/png": [".png"],
    "image/webp": [".webp"],
}


def upload_zone(
    upload_id: str,
    *children: rx.Component,
    on_drop: EventSpec,
    on_drop_rejected: EventSpec | object,
    max_bytes: Var[int] | int,
    busy: Var[bool] | bool,
) -> rx.Component:
    return rx.upload.root(
        rx.center(
            *children,
            width="100%",
            min_height="240px",
            padding="24px",
            border=f"2px dashed {rx.color('gray', 7)}",
            border_radius="12px",
            background=rx.color("gray", 2),
            cursor=rx.cond(busy, "progress", "pointer"),
            transition="border-color 120ms, background 120ms",
            _hover={"border_color": rx.color("indigo", 8)},
        ),
        id=upload_id,
        multiple=False,
        max_files=1,
        accept=ACCEPT,
        max_size=max_bytes,
        disabled=busy,
        on_drop=on_drop,
        on_drop_rejected=on_drop_rejected,
        drag_active_style={
            "& > div": {"border_color": rx.color("indigo", 9), "background": rx.color("indigo", 2)}
        },
        width="100%",
    )
