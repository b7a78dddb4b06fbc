"""The analytics section's frame: its tabs and the filter bar every page shares."""

from __future__ import annotations

import reflex as rx

from v4a_portal import routes
from v4a_portal.state.analytics_page import ANY, AnalyticsPage

TABS = [
    ("Overview", routes.ANALYTICS, "layout-dashboard"),
    ("Lineage", routes.ANALYTICS_LINEAGE, "git-fork"),
    ("Scripts", routes.ANALYTICS_SCRIPTS, "scroll-text"),
    ("Funnel", routes.ANALYTICS_FUNNEL, "filter"),
    ("Providers", routes.ANALYTICS_PROVIDERS, "server"),
]
WINDOWS = [("7d", "Last 7 days"), ("30d", "Last 30 days"), ("90d", "Last 90 days"),
           ("365d", "Last 12 months"), ("custom", "Custom…")]  # fmt: skip


def tabs(current: str, state: type[AnalyticsPage]) -> rx.Component:
    """Links to the other pages, keeping the filters (the query) of this one."""
    return rx.el.nav(
        rx.hstack(
            *[
                rx.link(
                    rx.hstack(rx.icon(icon, size=15), rx.text(label), spacing="1", align="center"),
                    href=path + state.filter_query,
                    size="2",
                    weight="medium",
                    underline="none",
                    color_scheme="indigo" if path == current else "gray",
                    high_contrast=path != current,
                    padding_x="10px",
                    padding_y="6px",
                    border_radius="6px",
                    background=rx.color("indigo", 3) if path == current else "transparent",
                    custom_attrs={"aria-current": "page"} if path == current else {},
                )
                for label, path, icon in TABS
            ],
            spacing="1",
            wrap="wrap",
        ),
        aria_label="Analytics",
    )


def _choice(state: type[AnalyticsPage], name: str, everyone: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=name.capitalize(), min_width="132px"),
        rx.select.content(
            rx.select.item(everyone, value=ANY),
            rx.foreach(
                state.choices.get(name, []),
                lambda v: rx.select.item(v, value=v),
            ),
        ),
        value=getattr(state, name),
        on_change=lambda v: state.set_filter(name, v),  # type: ignore[operator]
        size="2",
    )


def filter_bar(state: type[AnalyticsPage]) -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(aria_label="Time window", min_width="150px"),
            rx.select.content(*[rx.select.item(label, value=v) for v, label in WINDOWS]),
            value=rx.cond(state.window != "", state.window, "30d"),
            on_change=lambda v: state.set_filter("window", v),  # type: ignore[operator]
            size="2",
        ),
        rx.cond(
            state.window == "custom",
            rx.hstack(
                rx.input(
                    type="date",
                    value=state.start,
                    on_change=lambda v: state.set_filter("start", v),  # type: ignore[operator]
                    aria_label="From",
                    size="2",
                ),
                rx.text("to", size="2", color_scheme="gray"),
                rx.input(
                    type="date",
                    value=state.end,
                    on_change=lambda v: state.set_filter("end", v),  # type: ignore[operator]
                    aria_label="To",
                    size="2",
                ),
                align="center",
                spacing="2",
            ),
        ),
        _choice(state, "model", "All models"),
        _choice(state, "provider", "All providers"),
        _choice(state, "writer", "All writers"),
        _choice(state, "tone", "All tones"),
        _choice(state, "audience", "All audiences"),
        rx.select.root(
            rx.select.trigger(aria_label="Subscribers", min_width="140px"),
            rx.select.content(
                rx.select.item("Everyone", value=ANY),
                rx.select.item("Subscribers", value="yes"),
                rx.select.item("Not subscribed", value="no"),
            ),
            value=state.subscriber,
            on_change=lambda v: state.set_filter("subscriber", v),  # type: ignore[operator]
            size="2",
        ),
        rx.button(
            rx.icon("x", size=14),
            "Clear",
            on_click=state.clear_filters,
            variant="ghost",
            color_scheme="gray",
            size="2",
        ),
        rx.cond(state.loading, rx.spinner(size="2")),
        wrap="wrap",
        gap="8px",
        align="center",
        id="analytics-filters",
    )


def heading(title: str, blurb: str, state: type[AnalyticsPage], current: str) -> rx.Component:
    return rx.vstack(
        rx.text("Console · Analytics", size="2", color_scheme="indigo", weight="medium"),
        rx.flex(
            rx.heading(title, size="7"),
            rx.text(state.freshness, size="1", color_scheme="gray", id="analytics-freshness"),
            justify="between",
            align="baseline",
            wrap="wrap",
            gap="8px",
            width="100%",
        ),
        rx.text(blurb, color_scheme="gray"),
        tabs(current, state),
        spacing="2",
        width="100%",
    )


def notices(state: type[AnalyticsPage]) -> rx.Component:
    return rx.fragment(
        rx.cond(
            state.error != "",
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert", size=16)),
                rx.callout.text(state.error),
                color_scheme="red",
                role="alert",
            ),
        ),
        rx.cond(
            state.empty & ~state.loading,
            rx.callout.root(
                rx.callout.icon(rx.icon("info", size=16)),
                rx.callout.text("Nothing happened in this window with these filters."),
                color_scheme="gray",
                id="analytics-empty",
            ),
        ),
    )
