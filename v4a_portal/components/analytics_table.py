"""A table of an analytics page: click a heading to sort, page through, export as CSV."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import reflex as rx
from reflex.vars import Var

from v4a_portal.state.analytics_page import AnalyticsPage


def _heading(
    state: type[AnalyticsPage], name: str, table: Any, key: Var, heading: Var | str
) -> rx.Component:
    active = table.sort == key
    return rx.table.column_header_cell(
        rx.button(
            heading,
            rx.cond(
                active,
                rx.cond(
                    table.descending, rx.icon("arrow-down", size=13), rx.icon("arrow-up", size=13)
                ),
                rx.icon("arrow-up-down", size=13, color=rx.color("gray", 8)),
            ),
            on_click=state.sort_table(name, key),  # type: ignore[operator]
            variant="ghost",
            color_scheme="gray",
            high_contrast=True,
            size="1",
            white_space="nowrap",
        ),
        custom_attrs={
            "aria-sort": rx.cond(
                active, rx.cond(table.descending, "descending", "ascending"), "none"
            )
        },
    )


def data_table(state: type[AnalyticsPage], name: str, title: str) -> rx.Component:
    """The table `name` once the page has loaded it."""
    return rx.cond(
        state.tables.contains(name),  # type: ignore[attr-defined]
        _table(state, name, title),
        rx.card(rx.skeleton(height="160px", width="100%"), width="100%"),
    )


def _table(state: type[AnalyticsPage], name: str, title: str) -> rx.Component:
    table = state.tables[name]
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading(title, size="3"),
                rx.button(
                    rx.icon("download", size=14),
                    "CSV",
                    on_click=state.export_table(name),  # type: ignore[operator]
                    variant="soft",
                    size="1",
                    aria_label=f"Export {title} as CSV",
                ),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.foreach(
                                table.columns,
                                lambda key, i: _heading(state, name, table, key, table.headings[i]),
                            )
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            table.rows,
                            lambda row: rx.table.row(
                                rx.foreach(
                                    row, lambda cell: rx.table.cell(cell, white_space="nowrap")
                                )
                            ),
                        )
                    ),
                    variant="ghost",
                    size="1",
                    width="100%",
                ),
                # Wide tables scroll inside their card; the page itself never scrolls sideways.
                overflow_x="auto",
                width="100%",
            ),
            rx.flex(
                rx.text(table.label, size="1", color_scheme="gray"),
                rx.hstack(
                    rx.button(
                        rx.icon("chevron-left", size=14),
                        on_click=state.page_table(name, -1),  # type: ignore[operator]
                        disabled=table.page <= 1,
                        variant="soft",
                        color_scheme="gray",
                        size="1",
                        aria_label="Previous page",
                    ),
                    rx.button(
                        rx.icon("chevron-right", size=14),
                        on_click=state.page_table(name, 1),  # type: ignore[operator]
                        disabled=table.page >= table.pages,
                        variant="soft",
                        color_scheme="gray",
                        size="1",
                        aria_label="Next page",
                    ),
                    spacing="2",
                ),
                justify="between",
                align="center",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        min_width="0",
        id=f"table-{name}",
    )


def chart(title: str, figure: Var[go.Figure], chart_id: str, note: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="3"),
            rx.cond(note != "", rx.text(note, size="1", color_scheme="gray"))
            if note
            else rx.fragment(),
            rx.box(
                rx.plotly(
                    data=figure,
                    use_resize_handler=True,
                    config={"displaylogo": False, "responsive": True},
                    width="100%",
                    height="340px",
                ),
                width="100%",
                min_width="0",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        min_width="0",
        id=chart_id,
        class_name="analytics-chart",
    )
