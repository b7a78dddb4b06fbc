"""`/console/analytics/scripts`: which scripts turn into finished, kept and performing clips."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.analytics_filters import filter_bar, heading, notices
from v4a_portal.components.analytics_table import chart, data_table
from v4a_portal.components.template import template
from v4a_portal.state.analytics_page import PERMISSION
from v4a_portal.state.analytics_scripts import GROUP_LABELS, AnalyticsScriptsState

State = AnalyticsScriptsState
UPLOAD_ID = "ad-results-file"


def _grouping() -> rx.Component:
    return rx.hstack(
        rx.text("Group by", size="2", color_scheme="gray"),
        rx.select.root(
            rx.select.trigger(aria_label="Group by", min_width="150px"),
            rx.select.content(
                *[rx.select.item(label, value=v) for v, label in GROUP_LABELS.items()]
            ),
            value=State.by,
            on_change=State.group_by,
            size="2",
        ),
        align="center",
        spacing="2",
        wrap="wrap",
        id="scripts-grouping",
    )


def _thin_warning() -> rx.Component:
    return rx.cond(
        State.thin_groups.length() > 0,  # type: ignore[attr-defined]
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.callout.text(
                "Too few clips to trust (fewer than ",
                State.min_clips,
                " with ad results): ",
                State.thin_groups.join(", "),  # type: ignore[attr-defined]
                ". Their bars are grey.",
            ),
            color_scheme="amber",
            size="1",
            id="thin-warning",
        ),
    )


def _importer() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Import ad results", size="3"),
            rx.text(
                "A CSV with the columns video_id, date, impressions, clicks, conversions, "
                "spend. One row per clip and day; importing a day again replaces its figures.",
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                rx.upload.root(
                    rx.button(rx.icon("file-up", size=15), "Choose CSV", variant="soft", size="2"),
                    id=UPLOAD_ID,
                    accept={"text/csv": [".csv"]},
                    max_files=1,
                    multiple=False,
                    no_drag=True,
                ),
                rx.text(rx.selected_files(UPLOAD_ID).join(", "), size="2"),
                rx.button(
                    "Import",
                    # mypy cannot solve the handler type `@rx.event(background=True)` gives
                    on_click=State.import_file(  # type: ignore[misc]
                        rx.upload_files_chunk(upload_id=UPLOAD_ID)
                    ),
                    loading=State.importing,
                    size="2",
                ),
                gap="8px",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                State.import_error != "", rx.text(State.import_error, color_scheme="red", size="2")
            ),
            rx.cond(
                State.import_summary != "",
                rx.text(State.import_summary, size="2", weight="medium", id="import-summary"),
            ),
            rx.vstack(
                rx.foreach(
                    State.import_refused, lambda line: rx.text(line, size="1", color_scheme="red")
                ),
                spacing="0",
                id="import-refused",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@template(
    routes.ANALYTICS_SCRIPTS, "Scripts · Analytics", permission=PERMISSION, on_load=State.load
)
def analytics_scripts() -> rx.Component:
    return rx.vstack(
        heading(
            "Script effectiveness",
            "Scripts written in the window and everything they led to: finished clips, "
            "downloads, and how the clips did as ads.",
            State,
            routes.ANALYTICS_SCRIPTS,
        ),
        rx.cond(
            State.allowed,
            rx.vstack(
                filter_bar(State),
                _grouping(),
                notices(State),
                rx.grid(
                    chart("Completion and adoption", State.adoption_chart, "chart-adoption"),
                    chart("Click-through rate", State.ctr_chart, "chart-ctr"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    gap="16px",
                    width="100%",
                ),
                _thin_warning(),
                data_table(State, "groups", "Scripts and clips"),
                data_table(State, "ads", "Ad results"),
                data_table(State, "failures", "Failure reasons"),
                data_table(State, "scripts", "Scripts with the most finished clips"),
                rx.cond(State.can_import, _importer()),
                spacing="4",
                width="100%",
            ),
            rx.skeleton(height="420px", width="100%"),
        ),
        spacing="5",
        width="100%",
    )
