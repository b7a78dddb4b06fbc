"""`/library`: the user's photos with the scripts written for each, every script (kept after
its photo is deleted), and their video clips; newest first, paged on the server."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.empty_state import empty_state, studio_empty_card
from v4a_portal.components.library_photo import library_photo
from v4a_portal.components.library_scripts import library_scripts
from v4a_portal.components.library_videos import library_videos
from v4a_portal.components.pager import pager
from v4a_portal.components.template import template
from v4a_portal.state.library import LibraryState
from v4a_portal.state.library_scripts import LibraryScriptsState
from v4a_portal.state.library_videos import LibraryVideosState


def _callout(text: rx.Var, color: str, icon: str, role: str, id_: str) -> rx.Component:
    return rx.cond(
        text != "",
        rx.callout.root(
            rx.callout.icon(rx.icon(icon, size=16)),
            rx.callout.text(text),
            color_scheme=color,
            variant="soft",
            role=role,
            id=id_,
            width="100%",
        ),
    )


def _empty() -> rx.Component:
    return studio_empty_card(
        empty_state(
            "images",
            "No photos yet",
            "Upload a product photo in the Studio; it and every script written for it "
            "will be kept here.",
        ),
        "library-empty",
    )


def _photos() -> rx.Component:
    return rx.vstack(
        rx.foreach(LibraryState.photos, library_photo),
        pager(LibraryState),
        spacing="4",
        width="100%",
        id="library-photos",
    )


def _photos_tab() -> rx.Component:
    return rx.vstack(
        _callout(LibraryState.status, "grass", "circle-check", "status", "library-status"),
        _callout(LibraryState.error, "red", "circle-alert", "alert", "library-error"),
        rx.cond(
            LibraryState.total > 0,
            _photos(),
            rx.cond(
                LibraryState.loading,
                rx.skeleton(height="200px", width="100%"),
                _empty(),
            ),
        ),
        spacing="4",
        width="100%",
    )


def _tab(icon: str, label: str, value: str) -> rx.Component:
    return rx.tabs.trigger(
        rx.hstack(rx.icon(icon, size=15), rx.text(label), spacing="2", align="center"),
        value=value,
    )


@template(
    routes.LIBRARY,
    "Library",
    on_load=[LibraryState.load, LibraryVideosState.load_videos, LibraryScriptsState.load_scripts],
)
def library() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.vstack(
                rx.heading("Library", size="7"),
                rx.text(
                    "Your product photos, every script written for them and every video "
                    "clip, newest first.",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.cond(LibraryState.loading, rx.spinner(size="3")),
            align="end",
            width="100%",
        ),
        rx.tabs.root(
            rx.tabs.list(
                _tab("images", "Photos", "photos"),
                _tab("file-text", "Scripts", "scripts"),
                _tab("clapperboard", "Videos", "videos"),
                size="2",
            ),
            rx.tabs.content(_photos_tab(), value="photos", padding_top="20px"),
            rx.tabs.content(library_scripts(), value="scripts", padding_top="20px"),
            rx.tabs.content(library_videos(), value="videos", padding_top="20px"),
            value=LibraryVideosState.tab,
            on_change=[LibraryVideosState.show_tab, LibraryScriptsState.show],
            width="100%",
        ),
        spacing="5",
        width="100%",
    )
