"""The Library's Videos tab: status filters, the clips with their lineage, paging."""

from __future__ import annotations

import reflex as rx

from v4a_portal.components.clip_card import clip_grid, clips_error
from v4a_portal.components.empty_state import empty_state, studio_empty_card
from v4a_portal.components.pager import pager
from v4a_portal.state import messages
from v4a_portal.state.library_videos import FILTERS
from v4a_portal.state.library_videos import LibraryVideosState as V

_FILTER_LABELS = {
    key: {"all": "All", "active": "In progress"}.get(key) or messages.clip_status(key)
    for key in FILTERS
}


def _filters() -> rx.Component:
    # Five buttons do not fit a phone's width: there the same choice is a menu.
    return rx.flex(
        rx.segmented_control.root(
            *[rx.segmented_control.item(label, value=key) for key, label in _FILTER_LABELS.items()],
            value=V.status_filter,
            on_change=V.filter_by,
            size="2",
            aria_label="Show videos",
            id="video-filters",
            display=["none", "inline-grid"],
        ),
        rx.select.root(
            rx.select.trigger(
                min_width="160px",
                aria_label="Show videos",
                id="video-filters-menu",
                display=["inline-flex", "none"],
            ),
            rx.select.content(
                *[rx.select.item(label, value=key) for key, label in _FILTER_LABELS.items()],
            ),
            value=V.status_filter,
            on_change=V.filter_by,
            size="2",
        ),
        rx.spacer(),
        rx.cond(V.loading, rx.spinner(size="2")),
        align="center",
        wrap="wrap",
        gap="12px",
        width="100%",
    )


def _empty() -> rx.Component:
    return studio_empty_card(
        rx.cond(
            V.status_filter == "all",
            empty_state(
                "clapperboard",
                "No videos yet",
                "Generate clips from a product photo in the Studio; every clip is kept "
                "here with the photo and script it was made from.",
            ),
            empty_state("filter", "No videos here", "No clip matches this filter."),
        ),
        "library-videos-empty",
    )


def library_videos() -> rx.Component:
    return rx.vstack(
        _filters(),
        clips_error(V),
        rx.cond(
            V.total > 0,
            rx.vstack(
                clip_grid(V, id="library-clips"),
                pager(V),
                spacing="4",
                width="100%",
            ),
            rx.cond(V.loading, rx.skeleton(height="240px", width="100%"), _empty()),
        ),
        spacing="4",
        width="100%",
        id="library-videos",
    )
