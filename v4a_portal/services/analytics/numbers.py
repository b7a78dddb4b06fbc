"""Figures as people read them: 12,345 · 87.5 % · 2 min 05 s · $1,234.50 · +12 %."""

from __future__ import annotations

from typing import Any

RATES = {
    "completion_rate", "adoption", "download_adoption", "ctr", "conversion_rate",
    "success_rate",
}  # fmt: skip
SECONDS = {
    "p50_seconds_to_clip", "p90_seconds_to_clip", "p50_seconds", "p90_seconds",
    "p50_seconds_to_first_clip",
}  # fmt: skip
MONEY = {"spend", "cost_per_conversion"}
DECIMALS = {
    "attempts_per_clip", "credits_per_finished_second", "credits_per_finished_clip",
    "regenerations_before_first_clip",
}  # fmt: skip


def show(name: str, value: Any) -> str:
    """One figure, by what its name says it is."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in RATES:
        return percent(float(value))
    if name in SECONDS:
        return duration(float(value))
    if name in MONEY:
        return f"${float(value):,.2f}"
    if name in DECIMALS:
        return f"{float(value):,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def percent(value: float) -> str:
    shown = value * 100
    return f"{shown:.0f} %" if shown in (0, 100) else f"{shown:.1f} %"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    if seconds < 86_400:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    return f"{seconds / 86_400:.1f} days"


def change(value: float | None) -> str:
    """The change against the previous window, with a real minus sign."""
    if value is None:
        return "new" if value is None else ""
    shown = value * 100
    sign = "+" if shown >= 0 else "−"
    return f"{sign}{abs(shown):.0f} %"


def title(name: str) -> str:
    """A column name as a heading: p50_seconds_to_clip → P50 seconds to clip."""
    words = name.replace("_", " ")
    return _TITLES.get(name, words[:1].upper() + words[1:])


_TITLES = {
    "ctr": "CTR",
    "p50_seconds": "Latency p50",
    "p90_seconds": "Latency p90",
    "p50_seconds_to_first_clip": "Median time to first clip",
    "ad_clips": "Clips with results",
    "script_id": "Script",
    "regeneration_of": "Regenerates",
    "credits_per_finished_second": "Credits per finished second",
}
