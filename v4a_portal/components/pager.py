"""Prev/next paging with "x–y of N" for a state that mixes in state.paging.Paging."""

from __future__ import annotations

import reflex as rx

from v4a_portal.state.paging import Paging


def pager(state: type[Paging]) -> rx.Component:
    return rx.hstack(
        rx.text(state.range_label, size="2", color_scheme="gray", id="pager-range"),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous",
                on_click=state.prev_page,
                disabled=~state.has_prev,
                variant="soft",
                color_scheme="gray",
                size="2",
            ),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=16),
                on_click=state.next_page,
                disabled=~state.has_next,
                variant="soft",
                color_scheme="gray",
                size="2",
            ),
            spacing="2",
        ),
        justify="between",
        align="center",
        width="100%",
        padding_top="12px",
    )
