"""Text that wraps only where its parts end (an email after "@" and "."), via <wbr>."""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var


def wrapping_text(parts: Var[list[str]]) -> rx.Component:
    return rx.foreach(parts, lambda part: rx.fragment(part, rx.el.wbr()))
