"""Plotly figures of the reports' aggregated rows, shaped with pandas.

Every figure renders even with no rows (axes and a note), so a page never loses its chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from v4a_portal.services.analytics import numbers

PALETTE = ["#3E63DD", "#30A46C", "#E5484D", "#F76B15", "#8E4EC6", "#12A594", "#D6409F"]
HEIGHT = 340


def _frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def _layout(fig: go.Figure, *, empty: bool, percent_axis: bool = False, **extra: Any) -> go.Figure:
    fig.update_layout(
        height=HEIGHT,
        margin={"l": 48, "r": 16, "t": 36, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": "Inter, system-ui, sans-serif", "size": 12},
        # Above the plot: below it, the legend collides with long slanted axis labels.
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        colorway=PALETTE,
        autosize=True,
        **extra,
    )
    if percent_axis:
        fig.update_yaxes(tickformat=".1~%", rangemode="tozero")
    if empty:
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        fig.add_annotation(
            text="No data in this window",
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            font={"size": 14, "color": "#8B8D98"},
        )
    return fig


def daily(rows: Sequence[dict[str, Any]]) -> go.Figure:
    """Uploads, scripts and clips per day."""
    frame = _frame(rows)
    fig = go.Figure()
    names = {
        "uploads": "Uploads",
        "scripts": "Scripts",
        "clips_requested": "Clips requested",
        "clips_completed": "Clips completed",
    }
    busy = not frame.empty and frame[list(names)].to_numpy().sum() > 0
    if not frame.empty:
        frame["day"] = pd.to_datetime(frame["day"])
        for column, label in names.items():
            fig.add_trace(go.Scatter(x=frame["day"], y=frame[column], name=label, mode="lines"))
    return _layout(fig, empty=not busy, hovermode="x unified")


def sankey(links: Sequence[dict[str, Any]]) -> go.Figure:
    frame = _frame(links)
    fig = go.Figure()
    if not frame.empty:
        labels = list(pd.unique(pd.concat([frame["source"], frame["target"]])))
        index = {label: n for n, label in enumerate(labels)}
        fig.add_trace(
            go.Sankey(
                node={"label": labels, "pad": 18, "thickness": 16, "color": _node_colors(labels)},
                link={
                    "source": frame["source"].map(index).tolist(),
                    "target": frame["target"].map(index).tolist(),
                    "value": frame["value"].tolist(),
                    "color": "rgba(62,99,221,0.18)",
                },
            )
        )
    return _layout(fig, empty=frame.empty)


def _node_colors(labels: list[str]) -> list[str]:
    def color(label: str) -> str:
        if "completed" in label:
            return "#30A46C"
        if "failed" in label:
            return "#E5484D"
        if "canceled" in label or label.startswith("No "):
            return "#8B8D98"
        return "#3E63DD"

    return [color(label) for label in labels]


def grouped_rates(rows: Sequence[dict[str, Any]], by: str, columns: dict[str, str]) -> go.Figure:
    """One bar per group for each rate column (0–1), labelled as percentages."""
    frame = _frame(rows)
    fig = go.Figure()
    if not frame.empty:
        for column, label in columns.items():
            values = frame[column].astype(float)
            fig.add_trace(
                go.Bar(
                    x=frame[by].astype(str),
                    y=values,
                    name=label,
                    text=[numbers.percent(v) if pd.notna(v) else "" for v in values],
                    textposition="outside",
                    cliponaxis=False,
                )
            )
    return _layout(fig, empty=frame.empty, percent_axis=True, barmode="group")


def ctr(rows: Sequence[dict[str, Any]], by: str) -> go.Figure:
    """CTR per group, with the number of clips behind each bar; thin groups are grey."""
    frame = _frame(rows)
    fig = go.Figure()
    if not frame.empty:
        frame = frame[frame["ad_clips"] > 0]
    if not frame.empty:
        fig.add_trace(
            go.Bar(
                x=frame[by].astype(str),
                y=frame["ctr"].astype(float),
                name="CTR",
                marker_color=["#B9BBC6" if thin else PALETTE[0] for thin in frame["too_few_clips"]],
                text=[
                    f"{numbers.percent(float(v))} · {int(n)} clips"
                    for v, n in zip(frame["ctr"], frame["ad_clips"], strict=True)
                ],
                textposition="outside",
                cliponaxis=False,
            )
        )
    return _layout(fig, empty=frame.empty, percent_axis=True)


def funnel_steps(totals: dict[str, int], labels: dict[str, str]) -> go.Figure:
    fig = go.Figure()
    busy = bool(totals) and totals.get("signed_up", 0) > 0
    if busy:
        fig.add_trace(
            go.Funnel(
                y=[labels[k] for k in labels],
                x=[totals.get(k, 0) for k in labels],
                textinfo="value+percent initial",
                marker={"color": PALETTE[0]},
            )
        )
    return _layout(fig, empty=not busy)


def cohorts(rows: Sequence[dict[str, Any]]) -> go.Figure:
    """Share of each weekly cohort that reached a finished clip, and a downloaded one."""
    frame = _frame(rows)
    fig = go.Figure()
    if not frame.empty:
        frame["cohort_week"] = pd.to_datetime(frame["cohort_week"])
        for column, label in (
            ("finished", "Got a finished clip"),
            ("downloaded", "Downloaded one"),
        ):
            share = frame[column] / frame["signed_up"].where(frame["signed_up"] > 0)
            fig.add_trace(go.Bar(x=frame["cohort_week"], y=share, name=label))
    return _layout(fig, empty=frame.empty, percent_axis=True, barmode="group")


def latency(rows: Sequence[dict[str, Any]]) -> go.Figure:
    """p50 and p90 seconds from request to finished clip per provider and model."""
    frame = _frame(rows)
    fig = go.Figure()
    if not frame.empty:
        names = frame["provider"].astype(str) + " · " + frame["model"].astype(str)
        for column, label in (("p50_seconds", "p50"), ("p90_seconds", "p90")):
            fig.add_trace(go.Bar(x=names, y=frame[column], name=f"Latency {label}"))
    return _layout(fig, empty=frame.empty, barmode="group", yaxis={"title": "seconds"})


def success(rows: Sequence[dict[str, Any]]) -> go.Figure:
    frame = _frame(rows)
    fig = go.Figure()
    if not frame.empty:
        names = frame["provider"].astype(str) + " · " + frame["model"].astype(str)
        fig.add_trace(
            go.Bar(
                x=names,
                y=frame["success_rate"].astype(float),
                name="Success rate",
                text=[
                    numbers.percent(float(v)) if pd.notna(v) else "" for v in frame["success_rate"]
                ],
                textposition="outside",
                cliponaxis=False,
            )
        )
    return _layout(fig, empty=frame.empty, percent_axis=True)
