"""Import what clips did as ads (a CSV per the ad platforms' exports): checked row by row,
stored once per (clip, day), so importing the same file again changes nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from v4a_portal.models import User, utcnow
from v4a_portal.services import permissions
from v4a_portal.services.analytics import snapshots, sql
from v4a_portal.services.analytics.sql import ad_results, videos
from v4a_portal.services.errors import InvalidInput

COLUMNS = ("video_id", "date", "impressions", "clicks", "conversions", "spend")
COUNTS = ("impressions", "clicks", "conversions")
MAX_ROWS = 100_000
# Dates further back than this are more likely a typo than an ad that ran.
EARLIEST = date(2000, 1, 1)


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": self.refused,
        }


def import_csv(session: Session, actor: User, text: str) -> ImportReport:
    """Store the good rows of `text`, refuse the others with the reasons, row by row.

    Rows are numbered as a spreadsheet shows them (the header is row 1). Analysts see every
    customer's clips, so any existing clip may be named.
    """
    permissions.require(actor, "analytics.import")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InvalidInput(
            f"The file needs the columns {', '.join(COLUMNS)}; it lacks {', '.join(missing)}.",
            code="invalid_csv",
        )
    reader.fieldnames = header
    report = ImportReport()
    good: dict[tuple[int, date], tuple[int, dict[str, int]]] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise InvalidInput(f"At most {MAX_ROWS} rows per file.", code="too_many_rows")
        row, errors = _parse(raw)
        if row is not None:
            key = (row["video_id"], row["day"])
            if key in good:
                errors.append(f"repeats row {good[key][0]} (same video and date)")
            else:
                good[key] = (number, row)
        if errors:
            report.refused.append({"row": number, "errors": errors})
    known = _existing_videos(session, {k[0] for k in good})
    for key, (number, _row) in list(good.items()):
        if key[0] not in known:
            report.refused.append({"row": number, "errors": [f"no clip #{key[0]}"]})
            del good[key]
    report.refused.sort(key=lambda r: int(r["row"]))
    _store(session, actor, good, report)
    return report


def _parse(raw: dict[str, str | None]) -> tuple[dict[str, Any] | None, list[str]]:
    errors: list[str] = []
    values: dict[str, Any] = {}
    value = (raw.get("video_id") or "").strip()
    if not value.isdigit() or not 0 < int(value) < 2**31:
        errors.append(f"video_id {value!r} is not a clip number")
    else:
        values["video_id"] = int(value)
    value = (raw.get("date") or "").strip()
    try:
        day = date.fromisoformat(value)
        if not EARLIEST <= day <= utcnow().date():
            errors.append(f"date {value} is not between {EARLIEST} and today")
        values["day"] = day
    except ValueError:
        errors.append(f"date {value!r} is not a date like 2026-01-31")
    for name in COUNTS:
        value = (raw.get(name) or "").strip()
        if not value.lstrip("-").isdigit():
            errors.append(f"{name} {value!r} is not a whole number")
        elif int(value) < 0:
            errors.append(f"{name} {value} is negative")
        else:
            values[name] = int(value)
    value = (raw.get("spend") or "").strip()
    try:
        spend = Decimal(value)
        if not spend.is_finite() or spend < 0:
            errors.append(f"spend {value} is negative" if spend < 0 else f"spend {value!r}")
        else:
            values["spend_cents"] = int((spend * 100).to_integral_value())
    except InvalidOperation:
        errors.append(f"spend {value!r} is not an amount like 12.50")
    if not errors and values["clicks"] > values["impressions"]:
        errors.append("more clicks than impressions")
    return (None if errors else values), errors


def _existing_videos(session: Session, ids: set[int]) -> set[int]:
    found: set[int] = set()
    chunk = sorted(ids)
    for start in range(0, len(chunk), 5000):
        part = chunk[start : start + 5000]
        found.update(session.execute(select(videos.c.id).where(videos.c.id.in_(part))).scalars())
    return found


def _store(
    session: Session,
    actor: User,
    good: dict[tuple[int, date], tuple[int, dict[str, Any]]],
    report: ImportReport,
) -> None:
    """Insert new (clip, day) rows, replace changed ones, leave equal ones alone."""
    names = (*COUNTS, "spend_cents")
    before: dict[tuple[int, date], tuple[int, ...]] = {}
    video_ids = sorted({k[0] for k in good})
    for start in range(0, len(video_ids), 5000):
        part = video_ids[start : start + 5000]
        rows = session.execute(
            select(
                ad_results.c.video_id, ad_results.c.day, *[ad_results.c[n] for n in names]
            ).where(ad_results.c.video_id.in_(part))
        )
        for video_id, day, *stored in rows:
            before[(video_id, _as_date(day))] = tuple(int(x) for x in stored)
    changed = []
    for key, (_number, row) in good.items():
        if key not in before:
            report.inserted += 1
        elif before[key] == tuple(int(row[n]) for n in names):
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        changed.append({**row, "imported_by": actor.id, "imported_at": utcnow()})
    if not changed:
        return
    # The stored Scripts reports no longer hold these figures; the next request is live.
    snapshots.forget(session, "scripts")
    insert = pg_insert if sql.dialect(session) == "postgresql" else sqlite_insert
    stmt = insert(ad_results)
    # A concurrent import of the same (clip, day) updates instead of failing the file.
    stmt = stmt.on_conflict_do_update(
        index_elements=["video_id", "day"],
        set_={n: stmt.excluded[n] for n in (*names, "imported_by", "imported_at")},
    )
    for start in range(0, len(changed), 1000):
        session.execute(stmt, changed[start : start + 1000])


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
