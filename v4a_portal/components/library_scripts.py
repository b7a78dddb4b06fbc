"""The Library's Scripts tab: search, then every script newest first with its photo (or that
it was deleted), lineage and clips, each one opening in the Studio."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import NumberVar, ObjectVar

from v4a_portal.components.empty_state import empty_state, studio_empty_card
from v4a_portal.components.pager import pager
from v4a_portal.components.photo_thumb import photo_thumb
from v4a_portal.components.script_meta import script_heading, script_text
from v4a_portal.state.cards import ScriptCard
from v4a_portal.state.library_scripts import ClipLink, LibraryScript
from v4a_portal.state.library_scripts import LibraryScriptsState as S


def _search() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=15)),
                name="search",
                default_value=S.search,
                placeholder="Search by product, audience or words",
                max_length=200,
                size="2",
                flex="1",
                min_width="0",
                aria_label="Search scripts",
                id="scripts-search",
            ),
            rx.button("Search", type="submit", size="2", variant="soft"),
            rx.cond(S.loading, rx.spinner(size="2")),
            align="center",
            spacing="2",
            width="100%",
        ),
        on_submit=S.find,
        reset_on_submit=False,
        width="100%",
    )


def _photo(row: ObjectVar[LibraryScript]) -> rx.Component:
    return rx.hstack(
        rx.cond(
            row.photo_url != "",
            photo_thumb(row.photo_url, row.photo_name, size="40px"),
            rx.center(
                rx.icon("image-off", size=16, color=rx.color("gray", 9)),
                width="40px",
                height="40px",
                border_radius="8px",
                background=rx.color("gray", 3),
                flex_shrink="0",
            ),
        ),
        rx.text(
            rx.cond(row.photo_name != "", row.photo_name, "Photo deleted"),
            size="1",
            color_scheme="gray",
            trim="both",
            class_name="library-script-photo",
        ),
        align="center",
        spacing="2",
        min_width="0",
    )


def _clip(clip: ObjectVar[ClipLink]) -> rx.Component:
    color = rx.match(
        clip.status,
        ("completed", "grass"),
        ("processing", "indigo"),
        ("failed", "red"),
        ("canceled", "amber"),
        "gray",
    )
    return rx.badge(clip.label, color_scheme=color, variant="soft", class_name="script-clip")


def _clips(row: ObjectVar[LibraryScript]) -> rx.Component:
    more = row.clip_total - row.clips.length()
    return rx.cond(
        cast(NumberVar, row.clip_total) > 0,
        rx.flex(
            rx.link(
                rx.text("Clips (", row.clip_total, "):", size="1", weight="medium"),
                href=S.videos_url,
            ),
            rx.foreach(row.clips, _clip),
            rx.cond(more > 0, rx.text("and ", more, " more", size="1", color_scheme="gray")),
            align="center",
            wrap="wrap",
            gap="6px",
        ),
        rx.text("No clips yet.", size="1", color_scheme="gray"),
    )


def _script(row: ObjectVar[LibraryScript]) -> rx.Component:
    script = cast(ObjectVar[ScriptCard], row.script)
    return rx.card(
        rx.vstack(
            script_heading(script),
            rx.flex(_photo(row), _clips(row), align="center", wrap="wrap", gap="8px 24px"),
            rx.el.details(
                rx.el.summary(
                    rx.text("Show script", size="2", color_scheme="gray", as_="span"),
                    cursor="pointer",
                ),
                script_text(script, margin_top="8px"),
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        size="2",
        width="100%",
        class_name="library-script-card",
        data_script_id=script.id,
    )


def _empty() -> rx.Component:
    return rx.cond(
        S.search != "",
        rx.card(
            empty_state("search-x", "No scripts found", "No script matches this search."),
            width="100%",
            id="library-scripts-empty",
        ),
        studio_empty_card(
            empty_state(
                "file-text",
                "No scripts yet",
                "Write an ad script from a product photo in the Studio; every script is kept "
                "here, even after its photo is deleted.",
            ),
            "library-scripts-empty",
        ),
    )


def library_scripts() -> rx.Component:
    return rx.vstack(
        _search(),
        rx.cond(
            S.error != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("circle-alert", size=16)),
                rx.callout.text(S.error),
                color_scheme="red",
                variant="soft",
                role="alert",
                width="100%",
            ),
        ),
        rx.cond(
            S.total > 0,
            rx.vstack(
                rx.foreach(S.scripts, _script),
                pager(S),
                spacing="3",
                width="100%",
            ),
            rx.cond(S.loading, rx.skeleton(height="200px", width="100%"), _empty()),
        ),
        spacing="4",
        width="100%",
        id="library-scripts",
    )
