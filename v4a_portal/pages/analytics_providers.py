"""`/console/analytics/providers`: success, latency, attempts and cost per provider/model."""

import reflex as rx

from v4a_portal import routes
from v4a_portal.components.analytics_filters import filter_bar, heading, notices
from v4a_portal.components.analytics_table import chart, data_table
from v4a_portal.components.template import template
from v4a_portal.state.analytics_page import PERMISSION
from v4a_portal.state.analytics_providers import AnalyticsProvidersState

State = AnalyticsProvidersState


@template(
    routes.ANALYTICS_PROVIDERS, "Providers · Analytics", permission=PERMISSION, on_load=State.load
)
def analytics_providers() -> rx.Component:
    return rx.vstack(
        heading(
            "Providers",
            "Clips asked for in the window, per provider and model: how many finish, how fast "
            "(request to finished clip), how often they are retried, and what they cost.",
            State,
            routes.ANALYTICS_PROVIDERS,
        ),
        rx.cond(
            State.allowed,
            rx.vstack(
                filter_bar(State),
                notices(State),
                rx.grid(
                    chart(
                        "Success rate",
                        State.success_chart,
                        "chart-success",
                        note="Canceled clips are left out: the customer stopped them.",
                    ),
                    chart(
                        "Latency, request to finished clip", State.latency_chart, "chart-latency"
                    ),
                    columns=rx.breakpoints(initial="1", md="2"),
                    gap="16px",
                    width="100%",
                ),
                data_table(State, "providers", "Providers and models"),
                data_table(State, "failures", "Failures by error code"),
                spacing="4",
                width="100%",
            ),
            rx.skeleton(height="420px", width="100%"),
        ),
        spacing="5",
        width="100%",
    )
