"""The drop zone for one product photo: drag and drop or click, refusing other types early.

The accept list and size limit only spare the user a doomed upload; the server decides
from the bytes (services/images.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from reflex.vars import ArrayVar, ObjectVar, Var

# What the browser offers in its file picker and lets through a drop.
ACCEPT = {
    "image/jpeg": [".jpg", ".jpeg"],
    "image/png": [".png"],
    "image/webp": [".webp"],
}


def _reasons(rejected: Var) -> Var[str]:
    """react-dropzone's reason codes ("file-too-large,..."), computed in the browser.

    Only the codes go to the server: the rejections also hold the File, which the socket
    would otherwise send along whole.
    """

    def codes(rejection: Var) -> Var:
        errors = rejection.to(ObjectVar, dict[str, Any])["errors"]
        return errors.to(ArrayVar, list[dict[str, Any]]).map(lambda e: e["code"]).join(",")

    return rejected.to(ArrayVar, list[dict[str, Any]]).map(codes).join(",")


def upload_zone(
    upload_id: str,
    *children: rx.Component,
    on_drop: EventSpec,
    on_rejected: Callable[[Var[str]], EventSpec],
    max_bytes: Var[int] | int,
    busy: Var[bool] | bool,
) -> rx.Component:
    """`on_rejected` gets the browser's reason codes when it refuses a file itself."""
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
        on_drop_rejected=lambda rejected: on_rejected(_reasons(rejected)),
        drag_active_style={
            "& > div": {"border_color": rx.color("indigo", 9), "background": rx.color("indigo", 2)}
        },
        width="100%",
    )
