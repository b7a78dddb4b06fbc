"""A product photo at a fixed size, cropped to fill its box."""

from __future__ import annotations

import reflex as rx
from reflex.vars import Var


def photo_thumb(
    url: Var[str] | str, alt: Var[str] | str, size: str = "56px", **props: object
) -> rx.Component:
    return rx.image(
        src=url,
        alt=alt,
        width=size,
        height=size,
        object_fit="cover",
        border_radius="8px",
        background=rx.color("gray", 3),
        flex_shrink="0",
        loading="lazy",
        **props,
    )
