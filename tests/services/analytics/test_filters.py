"""Each filter changes the figures as it should, and the filters survive a trip through
the URL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests import analytics_data as data
from v4a_portal.db import session_scope
from v4a_portal.services.analytics import overview, providers
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.errors import InvalidInput


def _now(**narrowing: str) -> dict[str, Any]:
    with session_scope() as session:
        report = overview.report(session, data.march(**narrowing))
    return {f["figure"]: f["value"] for f in report["figures"]}


@pytest.mark.parametrize(
    ("narrowing", "expected"),
    [
        # figure: (uploads, scripts, clips requested, clips completed)
        ({}, (3, 4, 5, 3)),
        ({"model": "draft"}, (3, 4, 2, 1)),
        ({"provider": "veo"}, (3, 4, 3, 2)),
        ({"tone": "serious"}, (3, 2, 3, 2)),
        ({"writer": "local"}, (3, 2, 2, 1)),
        ({"audience": "gamers"}, (3, 2, 3, 2)),
        ({"subscriber": "yes"}, (1, 2, 2, 1)),
        ({"subscriber": "no"}, (2, 2, 3, 2)),
        ({"tone": "none-such"}, (3, 0, 0, 0)),
    ],
)
def test_each_filter_narrows_the_figures(
    any_db: str, narrowing: dict[str, str], expected: tuple[int, ...]
) -> None:
    data.build()
    now = _now(**narrowing)
    got = (now["uploads"], now["scripts"], now["clips_requested"], now["clips_completed"])
    assert got == expected


def test_window_moves_the_figures(any_db: str) -> None:
    data.build()
    with session_scope() as session:
        first_week = Filters.from_query(
            {"window": "custom", "start": "2026-03-01", "end": "2026-03-07"}
        )
        figures = {f["figure"]: f["value"] for f in overview.report(session, first_week)["figures"]}
        rows = providers.report(session, first_week)["providers"]
    assert (figures["uploads"], figures["clips_requested"]) == (2, 3)  # v4, v5 on the 8th
    assert {r["provider"]: r["clips"] for r in rows} == {"draft": 2, "veo": 1}


def test_presets_end_today() -> None:
    f = Filters.from_query({"window": "7d"}, today=date(2026, 5, 10))
    assert (f.start, f.end, f.days) == (date(2026, 5, 4), date(2026, 5, 10), 7)
    assert f.previous().end == date(2026, 5, 3) and f.previous().days == 7
    assert Filters.from_query({}, today=date(2026, 5, 10)).days == 30


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"window": "90d"},
        {"window": "custom", "start": "2026-01-01", "end": "2026-02-15"},
        {"window": "7d", "model": "veo-3.1-fast", "provider": "veo", "writer": "openai",
         "tone": "bold & warm", "audience": "new parents", "subscriber": "no"},
    ],
)  # fmt: skip
def test_url_round_trip(query: dict[str, str]) -> None:
    today = date(2026, 5, 10)
    f = Filters.from_query(query, today=today)
    assert f.to_query() == query
    assert Filters.from_query(f.to_query(), today=today) == f


@pytest.mark.parametrize(
    "query",
    [
        {"window": "12d"},
        {"window": "custom", "start": "2026-02-01"},
        {"window": "custom", "start": "2026-02-10", "end": "2026-02-01"},
        {"window": "custom", "start": "yesterday", "end": "2026-02-01"},
        {"subscriber": "maybe"},
    ],
)
def test_nonsense_is_refused(query: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        Filters.from_query(query)
