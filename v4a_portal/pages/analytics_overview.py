"""`/console/analytics`: the headline figures and the daily series (analytics.view)."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.analytics_filters import filter_bar, heading, notices
from v4a_portal.components.analytics_table import chart, data_table
from v4a_portal.components.template import template
from v4a_portal.state.analytics_overview import AnalyticsOverviewState, Figure
from v4a_portal.state.analytics_page import PERMISSION

State = AnalyticsOverviewState


def _figure(figure: Figure) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(figure.label, size="1", color_scheme="gray", weight="medium"),
            rx.text(figure.value, size="5", weight="bold"),
            rx.cond(
                figure.change != "",
                rx.text(figure.change, " vs previous", size="1", color=rx.color(figure.tone, 11)),
                rx.text("no previous figure", size="1", color_scheme="gray"),
            ),
            spacing="1",
        ),
        size="1",
        custom_attrs={"data-figure": figure.key},
    )


@template(routes.ANALYTICS, "Analytics · Console", permission=PERMISSION, on_load=State.load)
def analytics_overview() -> rx.Component:
    return rx.vstack(
        heading(
            "Overview",
            "What customers did in the window, against the window of the same length before it.",
            State,
            routes.ANALYTICS,
        ),
        rx.cond(
            State.allowed,
            rx.vstack(
                filter_bar(State),
                notices(State),
                rx.grid(
                    rx.foreach(State.figures, _figure),
                    columns=rx.breakpoints(initial="2", sm="3", md="5"),
                    gap="12px",
                    width="100%",
                    id="overview-figures",
                ),
                chart("Every day", State.daily_chart, "chart-daily"),
                data_table(State, "daily", "Per day"),
                spacing="4",
                width="100%",
            ),
            rx.skeleton(height="420px", width="100%"),
        ),
        spacing="5",
        width="100%",
    )
