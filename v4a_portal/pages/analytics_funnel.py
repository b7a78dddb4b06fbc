"""`/console/analytics/funnel`: sign-up cohorts by week, step by step."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.analytics_filters import filter_bar, heading, notices
from v4a_portal.components.analytics_table import chart, data_table
from v4a_portal.components.template import template
from v4a_portal.state.analytics_funnel import AnalyticsFunnelState
from v4a_portal.state.analytics_page import PERMISSION

State = AnalyticsFunnelState


@template(routes.ANALYTICS_FUNNEL, "Funnel · Analytics", permission=PERMISSION, on_load=State.load)
def analytics_funnel() -> rx.Component:
    return rx.vstack(
        heading(
            "Funnel",
            "Customers who signed up in the window, by week, and how far each week's got: "
            "a photo, a script, a clip asked for, a finished clip, a download.",
            State,
            routes.ANALYTICS_FUNNEL,
        ),
        rx.cond(
            State.allowed,
            rx.vstack(
                filter_bar(State),
                notices(State),
                rx.grid(
                    chart("From sign-up to download", State.funnel_chart, "chart-funnel"),
                    chart("Each week's cohort", State.cohort_chart, "chart-cohorts"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    gap="16px",
                    width="100%",
                ),
                data_table(State, "cohorts", "Cohorts"),
                spacing="4",
                width="100%",
            ),
            rx.skeleton(height="420px", width="100%"),
        ),
        spacing="5",
        width="100%",
    )
