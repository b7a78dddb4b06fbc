"""Every analytics figure against the hand-built data set (tests/analytics_data.py), whose
answers are worked out by hand, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests import analytics_data as data
from v4a_portal.db import session_scope
from v4a_portal.models import GeneratedScript, Video
from v4a_portal.services.analytics import effectiveness, funnel, lineage, overview, providers


@pytest.fixture
def built(any_db: str) -> data.Lineage:
    return data.build()


def _figures(**narrowing: str) -> dict[str, Any]:
    with session_scope() as session:
        report = overview.report(session, data.march(**narrowing))
    return {f["figure"]: f for f in report["figures"]} | {"_daily": report["daily"]}


def test_overview(built: data.Lineage) -> None:
    figures = _figures()
    now = {k: v["value"] for k, v in figures.items() if k != "_daily"}
    assert now == {
        "uploads": 3,
        "scripts": 4,
        "clips_requested": 5,
        "clips_completed": 3,
        "clips_failed": 1,
        "clips_canceled": 1,
        "completion_rate": pytest.approx(0.6),
        # 60, 120 and 180 seconds: p90 lies 80 % of the way from 120 to 180.
        "p50_seconds_to_clip": pytest.approx(120.0),
        "p90_seconds_to_clip": pytest.approx(168.0),
        "active_customers": 3,
        "credits_granted": 100,
        "credits_spent": 168,
        "credits_refunded": 44,
        "credits_sold": 500,
    }
    assert figures["uploads"]["previous"] == 1
    assert figures["uploads"]["change"] == pytest.approx(2.0)
    assert figures["p50_seconds_to_clip"]["previous"] == pytest.approx(30.0)
    assert figures["clips_failed"]["change"] is None  # nothing to compare with
    daily = figures["_daily"]
    assert len(daily) == 31 and daily[0]["day"] == "2026-03-01"
    fifth = next(d for d in daily if d["day"] == "2026-03-05")
    assert (fifth["uploads"], fifth["scripts"], fifth["clips_requested"]) == (2, 2, 2)
    assert (fifth["clips_completed"], fifth["clips_failed"]) == (1, 1)


def test_script_effectiveness_by_tone(built: data.Lineage) -> None:
    with session_scope() as session:
        report = effectiveness.report(session, data.march(), by="tone")
    groups = {g["tone"]: g for g in report["groups"]}
    playful, serious = groups["playful"], groups["serious"]
    # playful: s1 (no clip) and its regeneration s2 (v1 done + downloaded, v2 failed).
    assert (playful["scripts"], playful["clips"], playful["clips_completed"]) == (2, 2, 1)
    assert playful["completion_rate"] == pytest.approx(0.5)
    assert playful["adoption"] == pytest.approx(0.5)
    assert playful["download_adoption"] == pytest.approx(0.5)
    assert playful["regenerations_before_first_clip"] == pytest.approx(1.0)
    assert playful["credits_per_finished_clip"] == pytest.approx(4.0)  # v2 was refunded
    assert playful["p50_seconds_to_first_clip"] == pytest.approx(3600 + 60)
    # serious: s3 (v3, v4 done, v5 canceled) and s4 (no clip).
    assert serious["completion_rate"] == pytest.approx(2 / 3)
    assert serious["adoption"] == pytest.approx(0.5)
    assert serious["download_adoption"] == pytest.approx(0.0)
    assert serious["regenerations_before_first_clip"] == pytest.approx(0.0)
    assert serious["credits_per_finished_clip"] == pytest.approx(40.0)
    # Ad results: CTR by tone.
    assert playful["ctr"] == pytest.approx(80 / 2000)
    assert playful["conversion_rate"] == pytest.approx(8 / 80)
    assert playful["cost_per_conversion"] == pytest.approx(20 / 8)
    assert serious["ctr"] == pytest.approx(40 / 2000)
    assert serious["cost_per_conversion"] == pytest.approx(10 / 3)
    assert (playful["ad_clips"], serious["ad_clips"]) == (1, 2)
    assert playful["too_few_clips"] and serious["too_few_clips"]  # below 10 clips
    assert report["failures"] == [{"tone": "playful", "error_code": "render_error", "clips": 1}]
    top = report["scripts"][0]
    assert (top["script_id"], top["clips_completed"]) == (built.scripts["s3"], 2)


@pytest.mark.parametrize("by", ["writer", "audience", "target_duration", "model"])
def test_script_effectiveness_other_groupings(built: data.Lineage, by: str) -> None:
    with session_scope() as session:
        groups = {g[by]: g for g in effectiveness.report(session, data.march(), by=by)["groups"]}
    if by == "model":
        # Per script and model: s1 and s4 made no clip.
        assert groups["draft"]["clips"] == 2 and groups["veo-3.1-fast"]["clips"] == 3
        assert groups["(none)"]["scripts"] == 2
        assert groups["veo-3.1-fast"]["ctr"] == pytest.approx(40 / 2000)
    else:
        first = {"writer": "local", "audience": "parents", "target_duration": "8"}[by]
        assert groups[first]["adoption"] == pytest.approx(0.5)
        assert groups[first]["ctr"] == pytest.approx(0.04)


def test_funnel(built: data.Lineage) -> None:
    with session_scope() as session:
        report = funnel.report(session, data.march())
    assert report["cohorts"] == [
        {"cohort_week": "2026-03-02", "signed_up": 2, "uploaded": 2, "scripted": 2,
         "requested": 2, "finished": 2, "downloaded": 1},
        {"cohort_week": "2026-03-09", "signed_up": 1, "uploaded": 1, "scripted": 0,
         "requested": 0, "finished": 0, "downloaded": 0},
    ]  # fmt: skip
    assert report["totals"]["signed_up"] == 3  # the analyst is not a customer


def test_providers(built: data.Lineage) -> None:
    with session_scope() as session:
        report = providers.report(session, data.march())
    rows = {r["provider"]: r for r in report["providers"]}
    draft, veo = rows["draft"], rows["veo"]
    assert (draft["clips"], draft["success_rate"], draft["refunds"]) == (2, 0.5, 1)
    assert draft["p50_seconds"] == pytest.approx(60.0)
    # A canceled clip is not the provider's failure.
    assert (veo["clips"], veo["success_rate"]) == (3, 1.0)
    assert veo["p50_seconds"] == pytest.approx(150.0)
    assert veo["p90_seconds"] == pytest.approx(174.0)
    assert veo["credits_per_finished_second"] == pytest.approx(10.0)
    assert veo["attempts_per_clip"] == pytest.approx(1.0)
    assert report["failures"] == [
        {"provider": "draft", "model": "draft", "error_code": "render_error", "clips": 1}
    ]


def test_lineage_flows_and_tree(built: data.Lineage) -> None:
    with session_scope() as session:
        report = lineage.report(session, data.march())
        tree = lineage.tree(session, photo_id=built.photos["p1"])
    flows = {(link["source"], link["target"]): link["value"] for link in report["links"]}
    assert flows == {
        ("Photos", "First scripts"): 3,
        ("Photos", "Regenerations"): 1,
        ("Photos", "No script yet"): 1,
        ("First scripts", "No clip yet"): 2,
        ("First scripts", "Clips completed"): 2,
        ("First scripts", "Clips canceled"): 1,
        ("Regenerations", "Clips completed"): 1,
        ("Regenerations", "Clips failed"): 1,
    }
    (photo,) = tree["photos"]
    (first,) = photo["scripts"]
    assert first["script_id"] == built.scripts["s1"] and first["clips"] == []
    (regen,) = first["regenerations"]
    assert [c["status"] for c in regen["clips"]] == ["completed", "failed"]


@pytest.mark.parametrize("narrowing", [{}, {"tone": "calm"}])
def test_a_chain_counts_members_outside_the_set(
    built: data.Lineage, narrowing: dict[str, str]
) -> None:
    """A calm first version (no clip) in March, regenerated as a bold script in March (outside
    a tone=calm set) and again on 2 April (after the window), whose clip that day is the
    chain's first: two regenerations came before it, whatever the set holds."""
    with session_scope() as s:
        u1 = built.users["u1"]
        photo = built.photos["p1"]

        def script(when: datetime, tone: str, parent: int | None) -> int:
            row = GeneratedScript(
                user_id=u1, image_id=photo, script_text="Buy it.", created_at=when,
                parent_script_id=parent, tone=tone, writer="local",
            )  # fmt: skip
            s.add(row)
            s.flush()
            return int(row.id or 0)

        root = script(data.at(20), "calm", None)
        bold = script(data.at(21), "bold", root)
        april = script(data.at(2, month=4), "calm", bold)
        s.add(
            Video(
                user_id=u1, script_id=april, model="draft", provider="draft",
                status="completed", duration=4, credits_used=4,
                created_at=data.at(2, 11, month=4), attempts=1,
            )
        )  # fmt: skip
    with session_scope() as session:
        report = effectiveness.report(session, data.march(**narrowing), by="tone")
    calm = {g["tone"]: g for g in report["groups"]}["calm"]
    assert calm["regenerations_before_first_clip"] == pytest.approx(2.0)
