"""Script effectiveness: which scripts turn into finished, downloaded and performing clips,
per script and grouped by one of its attributes (or the clip's model).

The set is the scripts written in the window that match the filters, and everything they
led to, whenever it happened.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Column, DateTime, Integer, Select, String, and_, case, func, select
from sqlalchemy.orm import Session

from v4a_portal.models import VideoStatus, utcnow
from v4a_portal.services.analytics import sql
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.analytics.sql import ad_results, scripts, videos
from v4a_portal.services.errors import InvalidInput
from v4a_portal.settings import get_settings

GROUPINGS = ("tone", "writer", "audience", "target_duration", "model")
TOP_SCRIPTS = 200
_DONE = VideoStatus.completed.value


def report(session: Session, f: Filters, by: str = "tone") -> dict[str, Any]:
    if by not in GROUPINGS:
        raise InvalidInput(f"by must be one of {', '.join(GROUPINGS)}.", code="invalid_grouping")
    rows = _per_script(f, by)
    with sql.materialized(session, "per_script", _per_script_columns(), rows) as per_script:
        groups = _groups(session, per_script)
        for key, (p50,) in sql.percentiles(
            session, _first_clip_seconds(session, per_script), ["g"], (0.5,)
        ).items():
            if key[0] in groups:
                groups[key[0]]["p50_seconds_to_first_clip"] = p50
        top = _top_scripts(session, per_script)
        failures = _failures(session, f, by, per_script)
        if by != "model":  # per script, not per (script, model): one row each
            for value, regens in session.execute(_regenerations(f, by, per_script)):
                if (label := _label(value)) in groups:
                    groups[label]["regenerations_before_first_clip"] = float(regens)
    ads = _ad_results(session, f, by)
    min_clips = get_settings().analytics_min_clips
    table = []
    for label, g in sorted(groups.items(), key=lambda kv: -int(kv[1]["scripts"])):
        ad = ads.get(label, {})
        ad_clips = int(ad.get("clips", 0))
        table.append(
            {
                by: label,
                **g,
                "completion_rate": sql.ratio(g["clips_completed"], g["clips_ended"]),
                "adoption": sql.ratio(g["scripts_with_finished_clip"], g["scripts"]),
                "download_adoption": sql.ratio(g["scripts_with_downloaded_clip"], g["scripts"]),
                "credits_per_finished_clip": sql.ratio(g["credits"], g["clips_completed"]),
                "ad_clips": ad_clips,
                "impressions": int(ad.get("impressions", 0)),
                "clicks": int(ad.get("clicks", 0)),
                "conversions": int(ad.get("conversions", 0)),
                "spend": int(ad.get("spend_cents", 0)) / 100,
                "ctr": sql.ratio(ad.get("clicks"), ad.get("impressions")),
                "conversion_rate": sql.ratio(ad.get("conversions"), ad.get("clicks")),
                "cost_per_conversion": sql.ratio(
                    int(ad.get("spend_cents", 0)) / 100, ad.get("conversions")
                ),
                "too_few_clips": 0 < ad_clips < min_clips,
            }
        )
    return {
        "filters": f.to_query(),
        "by": by,
        "generated_at": utcnow().isoformat(),
        "min_clips": min_clips,
        "groups": table,
        "failures": failures,
        "scripts": top,
        "table": table,
    }


def _dimension(by: str) -> Any:
    return videos.c.model if by == "model" else scripts.c[by]


def _per_script_columns() -> list[Column[Any]]:
    """The per-script rows three statements read (groups, time to first clip, top scripts)."""
    counts = ("clips", "completed", "failed", "canceled", "credits")
    return [
        Column("script_id", Integer),
        Column("g", String),
        Column("written_at", DateTime(timezone=True)),
        *[Column(name, Integer) for name in counts],
        Column("first_done_at", DateTime(timezone=True)),
        Column("first_clip_at", DateTime(timezone=True)),
        Column("downloaded", Integer),
    ]


def _per_script(f: Filters, by: str) -> Select[Any]:
    """One row per script in the set (per script and model when grouping by model)."""
    clip_on = and_(videos.c.script_id == scripts.c.id, *_clip_of_set(f))
    done = videos.c.status == _DONE
    group = [scripts.c.id, _dimension(by)] if by == "model" else [scripts.c.id]
    return (
        select(
            scripts.c.id.label("script_id"),
            sql.label_or_none(_dimension(by)).label("g"),
            func.min(scripts.c.created_at).label("written_at"),
            func.count(videos.c.id).label("clips"),
            sql.count_if(done).label("completed"),
            sql.count_if(videos.c.status == VideoStatus.failed.value).label("failed"),
            sql.count_if(videos.c.status == VideoStatus.canceled.value).label("canceled"),
            # Net of refunds: a failed or canceled clip gave its credits back.
            sql.sum_if(
                and_(videos.c.id.is_not(None), videos.c.refunded_at.is_(None)),
                videos.c.credits_used,
            ).label("credits"),
            func.min(case((done, videos.c.completed_at))).label("first_done_at"),
            func.min(videos.c.created_at).label("first_clip_at"),
            func.max(case((and_(done, sql.downloaded(videos.c.id)), 1), else_=0)).label(
                "downloaded"
            ),
        )
        .select_from(scripts.outerjoin(videos, clip_on))
        .where(sql.in_window(scripts.c.created_at, f), *sql.script_conditions(f))
        .group_by(*group)
    )


def _clip_of_set(f: Filters) -> list[Any]:
    """The conditions on a clip of a script of the set: the clip filters, and a start no
    earlier than the window's (a clip comes after its script), which lets the database
    read the window's clips rather than every clip."""
    return [videos.c.created_at >= f.since, *sql.clip_conditions(_clip_only(f))]


def _clip_only(f: Filters) -> Filters:
    """The clip filters without the script ones, which the scripts' own WHERE applies."""
    return replace(f, writer="", tone="", audience="", subscriber="")


def _groups(session: Session, ps: Any) -> dict[str, dict[str, Any]]:
    stmt = select(
        ps.c.g,
        func.count(func.distinct(ps.c.script_id)),
        func.sum(ps.c.clips),
        func.sum(ps.c.completed),
        func.sum(ps.c.failed),
        func.sum(ps.c.canceled),
        func.sum(ps.c.credits),
        sql.count_if(ps.c.completed > 0),
        sql.count_if(ps.c.downloaded == 1),
    ).group_by(ps.c.g)
    groups: dict[str, dict[str, Any]] = {}
    for g, n, clips, done, failed, canceled, credits, adopted, kept in session.execute(stmt):
        groups[str(g)] = {
            "scripts": int(n),
            "clips": int(clips or 0),
            "clips_completed": int(done or 0),
            "clips_failed": int(failed or 0),
            "clips_ended": int(done or 0) + int(failed or 0) + int(canceled or 0),
            "credits": int(credits or 0),
            "scripts_with_finished_clip": int(adopted),
            "scripts_with_downloaded_clip": int(kept),
            "p50_seconds_to_first_clip": None,
            "regenerations_before_first_clip": None,
        }
    return groups


def _first_clip_seconds(session: Session, ps: Any) -> Any:
    """Time from each script to its first finished clip."""
    seconds = sql.seconds_between(session, ps.c.first_done_at, ps.c.written_at)
    return select(ps.c.g, seconds.label("x")).where(ps.c.first_done_at.is_not(None)).subquery()


def _regenerations(f: Filters, by: str, ps: Any) -> Any:
    """Per group of first versions: the mean number of regenerations written before the
    first clip of any version of that chain was requested (chains that got a clip).

    A regeneration is written after its parent and a clip after its script, so nothing of a
    chain whose first version is in the window comes before the window's start: each step
    reads from there on. Each member carries its root's group and its own time, so the
    chain is not joined back to the scripts. A member's first clip comes from the
    per-script rows `ps` (nearly every member is one); only a member outside the set (written
    after the window, or not matching the filters) is looked up among the clips.
    """
    chain = (
        select(
            scripts.c.id.label("id"),
            scripts.c.id.label("root_id"),
            scripts.c[by].label("g"),
            scripts.c.created_at.label("written_at"),
        )
        .where(
            scripts.c.parent_script_id.is_(None),
            sql.in_window(scripts.c.created_at, f),
            *sql.script_conditions(f),
        )
        .cte("chain", recursive=True)
    )
    child = scripts.alias("child")
    chain = chain.union_all(
        select(child.c.id, chain.c.root_id, chain.c.g, child.c.created_at).where(
            child.c.parent_script_id == chain.c.id, child.c.created_at >= f.since
        )
    )
    looked_up = (
        select(func.min(videos.c.created_at))
        .where(videos.c.script_id == chain.c.id, *_clip_of_set(f))
        .scalar_subquery()
    )
    first_clip = case((ps.c.script_id.is_not(None), ps.c.first_clip_at), else_=looked_up)
    members = (
        select(
            chain.c.root_id,
            chain.c.id,
            chain.c.g,
            chain.c.written_at,
            func.min(first_clip).over(partition_by=chain.c.root_id).label("chain_first_at"),
        )
        .select_from(chain.outerjoin(ps, ps.c.script_id == chain.c.id))
        .subquery("members")
    )
    per_chain = (
        select(
            func.min(members.c.g).label("g"),
            sql.count_if(
                and_(
                    members.c.id != members.c.root_id,
                    members.c.written_at < members.c.chain_first_at,
                )
            ).label("regens"),
        )
        .where(members.c.chain_first_at.is_not(None))
        .group_by(members.c.root_id)
        .subquery("per_chain")
    )
    return select(per_chain.c.g, func.avg(per_chain.c.regens)).group_by(per_chain.c.g)


def _failures(session: Session, f: Filters, by: str, ps: Any) -> list[dict[str, Any]]:
    """Failed clips of the set's scripts (the per-script rows `ps`) by group and error."""
    on = [videos.c.script_id == ps.c.script_id]
    if by == "model":  # a script has a row per model: each joins that model's clips
        on.append(sql.label_or_none(videos.c.model) == ps.c.g)
    code = sql.label_or_none(videos.c.error_code, "unknown")
    stmt = (
        select(ps.c.g, code, func.count())
        .select_from(ps.join(videos, and_(*on)))
        .where(videos.c.status == VideoStatus.failed.value, *_clip_of_set(f))
        .group_by(ps.c.g, code)
        # Ties in a stable order, so a page of failures is the same on every load.
        .order_by(func.count().desc(), ps.c.g, code)
    )
    return [
        {by: str(g), "error_code": code, "clips": int(n)} for g, code, n in session.execute(stmt)
    ]


def _ad_results(session: Session, f: Filters, by: str) -> dict[str, dict[str, int]]:
    stmt = (
        select(
            sql.label_or_none(_dimension(by)),
            func.count(func.distinct(videos.c.id)),
            func.sum(ad_results.c.impressions),
            func.sum(ad_results.c.clicks),
            func.sum(ad_results.c.conversions),
            func.sum(ad_results.c.spend_cents),
        )
        .select_from(
            scripts.join(videos, videos.c.script_id == scripts.c.id).join(
                ad_results, ad_results.c.video_id == videos.c.id
            )
        )
        .where(
            sql.in_window(scripts.c.created_at, f),
            *sql.script_conditions(f),
            *_clip_of_set(f),
        )
        .group_by(sql.label_or_none(_dimension(by)))
    )
    names = ("clips", "impressions", "clicks", "conversions", "spend_cents")
    return {
        str(row[0]): {n: int(v or 0) for n, v in zip(names, row[1:], strict=True)}
        for row in session.execute(stmt)
    }


def _top_scripts(session: Session, ps: Any) -> list[dict[str, Any]]:
    """The scripts of the set with the most finished clips (the table pages through these)."""
    top = (
        select(
            ps.c.script_id,
            func.sum(ps.c.clips).label("clips"),
            func.sum(ps.c.completed).label("completed"),
            func.sum(ps.c.failed).label("failed"),
            func.max(ps.c.downloaded).label("downloaded"),
        )
        .group_by(ps.c.script_id)
        .order_by(func.sum(ps.c.completed).desc(), func.sum(ps.c.clips).desc(), ps.c.script_id)
        .limit(TOP_SCRIPTS)
        .subquery("top")
    )
    # Only the few top rows are joined to their scripts, after the ranking.
    stmt = (
        select(
            scripts.c.id,
            scripts.c.product,
            scripts.c.writer,
            scripts.c.tone,
            scripts.c.audience,
            scripts.c.target_duration,
            scripts.c.parent_script_id,
            top.c.clips,
            top.c.completed,
            top.c.failed,
            top.c.downloaded,
        )
        .select_from(top.join(scripts, scripts.c.id == top.c.script_id))
        .order_by(top.c.completed.desc(), top.c.clips.desc(), top.c.script_id)
    )
    out = []
    for (
        sid,
        product,
        writer,
        tone,
        audience,
        target,
        parent,
        clips,
        done,
        failed,
        kept,
    ) in session.execute(stmt):
        out.append(
            {
                "script_id": sid,
                "product": product or "",
                "writer": writer or "",
                "tone": tone or "",
                "audience": audience or "",
                "target_duration": target,
                "regeneration_of": parent,
                "clips": int(clips or 0),
                "clips_completed": int(done or 0),
                "clips_failed": int(failed or 0),
                "downloaded": bool(kept),
            }
        )
    return out


def _label(value: Any) -> str:
    return sql.NONE_LABEL if value is None else str(value)
