"""`/console/analytics/lineage`: the Sankey of photos → scripts → clips and a drill-down."""

from typing import cast

import reflex as rx
from reflex.vars import NumberVar, ObjectVar

from v4a_portal import routes
from v4a_portal.components.analytics_filters import filter_bar, heading, notices
from v4a_portal.components.analytics_table import chart, data_table
from v4a_portal.components.template import template
from v4a_portal.state.analytics_lineage import AnalyticsLineageState, TreeRow
from v4a_portal.state.analytics_page import PERMISSION

State = AnalyticsLineageState
_STATUS = {"completed": "green", "failed": "red", "canceled": "gray", "processing": "amber"}


def _line(row: ObjectVar[TreeRow]) -> rx.Component:
    return rx.hstack(
        rx.match(
            row.kind,
            ("photo", rx.icon("image", size=15)),
            ("script", rx.icon("scroll-text", size=15)),
            rx.icon("film", size=15),
        ),
        rx.text(row.label, size="2", weight="medium", white_space="nowrap"),
        rx.cond(
            row.status != "",
            rx.badge(
                row.status,
                color_scheme=rx.match(row.status, *[(k, v) for k, v in _STATUS.items()], "amber"),
                variant="soft",
            ),
        ),
        rx.text(row.detail, size="1", color_scheme="gray", overflow_wrap="anywhere"),
        padding_left=(cast(NumberVar, row.depth) * 20).to_string() + "px",
        align="center",
        spacing="2",
        width="100%",
        class_name="tree-row",
    )


def _drill() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Drill down", size="3"),
            rx.text(
                "One customer (email or number) or one photo (#number): each photo with its "
                "scripts, their regenerations, and the clips made from each.",
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.flex(
                    rx.input(
                        value=State.drill,
                        on_change=State.set_drill,
                        placeholder="maya@shop.example or #1234",
                        aria_label="Customer or photo",
                        size="2",
                        flex="1",
                        min_width="200px",
                    ),
                    rx.button("Show", type="submit", size="2"),
                    gap="8px",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=lambda _: State.drill_down(),  # type: ignore[operator]
                width="100%",
            ),
            rx.cond(
                State.tree_error != "", rx.text(State.tree_error, color_scheme="red", size="2")
            ),
            rx.cond(State.tree_title != "", rx.text(State.tree_title, size="2", weight="medium")),
            rx.vstack(rx.foreach(State.tree, _line), spacing="1", width="100%", id="lineage-tree"),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@template(
    routes.ANALYTICS_LINEAGE, "Lineage · Analytics", permission=PERMISSION, on_load=State.load
)
def analytics_lineage() -> rx.Component:
    return rx.vstack(
        heading(
            "Lineage",
            "Photos uploaded in the window, the scripts written from them, and what became of "
            "their clips.",
            State,
            routes.ANALYTICS_LINEAGE,
        ),
        rx.cond(
            State.allowed,
            rx.vstack(
                filter_bar(State),
                notices(State),
                chart("Photos → scripts → clips", State.sankey, "chart-sankey"),
                _drill(),
                data_table(State, "flows", "Flows"),
                spacing="4",
                width="100%",
            ),
            rx.skeleton(height="420px", width="100%"),
        ),
        spacing="5",
        width="100%",
    )
