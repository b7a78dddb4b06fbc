"""A believable analytics data set of N clips for demos and benchmarks (`seed-demo --scale N`).

Customers sign up over the past year; each uploads photos, writes scripts (some
regenerated), and asks for clips whose model, status, timing and failures follow the mixes
a live portal sees. Finished clips are downloaded and a share of them run as ads. Every
credit movement goes through ledger rows, so `credits reconcile` stays clean.

Rows are generated in Python and written in bulk: COPY on PostgreSQL (a million clips in a
few minutes), batched executemany elsewhere.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from v4a_portal.db import session_scope
from v4a_portal.models import (
    AdResult,
    CreditLedger,
    GeneratedScript,
    UploadedImage,
    User,
    Video,
    VideoDownload,
    utcnow,
)

# (model, provider, credits per second, durations, typical seconds to finish, success share)
MODELS = [
    ("draft", "draft", 1, (4, 8, 12), 25, 0.97),
    ("veo-3.1-fast-generate-001", "veo", 10, (4, 6, 8), 70, 0.91),
    ("veo-3.1-generate-001", "veo", 30, (4, 6, 8), 140, 0.88),
    ("sora-2", "sora", 10, (4, 8, 12), 180, 0.82),
    ("sora-2-pro", "sora", 30, (4, 8, 12), 300, 0.80),
]
MODEL_WEIGHTS = (30, 38, 15, 11, 6)
TONES = {"playful": 1.3, "warm": 1.1, "bold": 1.0, "urgent": 0.8, "luxurious": 0.9, "calm": 0.7}
AUDIENCES = ["parents", "gamers", "runners", "students", "pet owners", "coffee lovers", "makers"]
PRODUCTS = ["candle", "sneaker", "coffee bag", "face cream", "bike light", "tea tin", "necklace"]
WRITERS = (("local", 35), ("openai:gpt-4o", 65))
ERRORS = (("provider_error", 40), ("safety_blocked", 25), ("timeout", 20), ("bad_image", 15))
CHAIN = ((1, 55), (2, 25), (3, 12), (4, 8))
FLUSH_CLIPS = 50_000
DAY = 86_400.0


@dataclass
class _Batch:
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows.setdefault(table, []).append(row)


@dataclass
class _Ids:
    next: dict[str, int]

    def take(self, table: str) -> int:
        self.next[table] += 1
        return self.next[table]


_TABLES = {
    "users": User,
    "uploaded_images": UploadedImage,
    "generated_scripts": GeneratedScript,
    "videos": Video,
    "video_downloads": VideoDownload,
    "ad_results": AdResult,
    "credit_ledger": CreditLedger,
}


def seed(clips: int, rng_seed: int = 11) -> int:
    """Add customers and their history until there are `clips` more clips; returns the
    number of customers made."""
    rng = random.Random(rng_seed)
    now = utcnow()
    with session_scope() as session:
        ids = _Ids({name: _max_id(session, model) for name, model in _TABLES.items()})
    first_user = ids.next["users"]
    made = pending = 0
    batch = _Batch()
    while made + pending < clips:
        pending += _customer(rng, ids, batch, now, clips - made - pending)
        if pending >= FLUSH_CLIPS:
            _write(batch)
            made, pending, batch = made + pending, 0, _Batch()
    _write(batch)
    return ids.next["users"] - first_user


def _max_id(session: Session, model: type) -> int:
    table = model.__table__  # type: ignore[attr-defined]
    return int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _at(now: datetime, seconds_ago: float) -> datetime:
    return now - timedelta(seconds=max(seconds_ago, 0.0))


def _customer(rng: random.Random, ids: _Ids, batch: _Batch, now: datetime, room: int) -> int:
    """One customer and everything they did; returns how many clips (at most `room`)."""
    uid = ids.take("users")
    age = rng.uniform(0, 365 * DAY)  # seconds since sign-up
    joined = _at(now, age)
    subscriber = rng.random() < 0.15
    batch.add(
        "users",
        {
            "id": uid,
            "email": f"customer{uid}@{rng.choice(PRODUCTS).replace(' ', '-')}-shop.example",
            "name": f"Customer {uid}",
            "credits": 0,
            "is_subscriber": subscriber,
            "created_at": joined,
            "updated_at": joined,
            "role": "customer",
            "disabled": False,
            "oidc_subject": f"scale|{uid}",
        },
    )
    spend: list[tuple[int, str, str, datetime]] = []  # (delta, kind, reference, when)
    made = 0
    # A few customers do most of the work (Pareto), and 1 in 6 never uploads anything.
    photos = 0 if rng.random() < 0.16 else min(60, 1 + int(rng.paretovariate(1.6) * 2.5))
    for _ in range(photos):
        if made >= room:
            break
        made += _photo(rng, ids, batch, uid, joined, now, room - made, spend, subscriber)
    # One pack at sign-up covers every debit (refunds come after), so no balance dips below 0.
    debits = sum(-d for d, *_ in spend if d < 0)
    purchase = max(0, -(-(debits - 50) // 500) * 500)
    balance = 0
    entries = [(50, "signup_bonus", f"user:{uid}", joined)]
    if purchase:
        entries.append((purchase, "purchase", "pack:scale", joined + timedelta(minutes=1)))
    for delta, kind, reference, when in entries + spend:
        balance += delta
        lid = ids.take("credit_ledger")
        batch.add(
            "credit_ledger",
            {
                "id": lid,
                "user_id": uid,
                "delta": delta,
                "balance_after": balance,
                "kind": kind,
                "reference": reference,
                "idempotency_key": f"scale:{lid}",
                "created_at": when,
            },
        )
    batch.rows["users"][-1]["credits"] = balance
    return made


def _photo(
    rng: random.Random,
    ids: _Ids,
    batch: _Batch,
    uid: int,
    joined: datetime,
    now: datetime,
    room: int,
    spend: list[tuple[int, str, str, datetime]],
    subscriber: bool,
) -> int:
    pid = ids.take("uploaded_images")
    # Customers are busiest in their first weeks, so activity spreads like the sign-ups.
    uploaded = joined + timedelta(seconds=60 + rng.expovariate(1 / (30 * DAY)))
    if uploaded > now:
        return 0
    batch.add(
        "uploaded_images",
        {
            "id": pid,
            "user_id": uid,
            "file_path": f"uploads/{uid}/scale-{pid}.jpg",
            "storage_url": f"/media/uploads/{uid}/scale-{pid}.jpg",
            "created_at": uploaded,
            "content_type": "image/jpeg",
            "original_filename": f"{rng.choice(PRODUCTS).replace(' ', '-')}-{pid}.jpg",
        },
    )
    if rng.random() < 0.1:  # uploaded, never scripted
        return 0
    product, audience = rng.choice(PRODUCTS), rng.choice(AUDIENCES)
    tone = rng.choice(list(TONES))
    writer = _pick(rng, WRITERS)
    target = rng.choice((4, 8, 12))
    parent: int | None = None
    written = uploaded
    made = 0
    versions = _pick(rng, CHAIN)
    for version in range(versions):
        sid = ids.take("generated_scripts")
        written = written + timedelta(seconds=rng.uniform(20, 900))
        if written > now:
            break
        batch.add(
            "generated_scripts",
            {
                "id": sid,
                "user_id": uid,
                "image_id": pid,
                "script_text": f"Meet the {product}. Made for {audience}.",
                "credits_used": 10,
                "created_at": written,
                "product": product,
                "audience": audience,
                "tone": tone,
                "language": "en",
                "target_duration": target,
                "writer": writer,
                "parent_script_id": parent,
                "charge_key": f"scale-script:{sid}",
            },
        )
        spend.append((-10, "script", f"script:{sid}", written))
        # The last version gets most of the clips: customers regenerate until they like it.
        last = version == versions - 1
        wanted = rng.choice((1, 2, 3, 3, 4, 5, 6)) if last else rng.choice((0, 0, 0, 1))
        for _ in range(min(wanted, room - made)):
            made += _clip(rng, ids, batch, uid, pid, sid, written, now, tone, spend, subscriber)
        parent = sid
    return made


def _clip(
    rng: random.Random,
    ids: _Ids,
    batch: _Batch,
    uid: int,
    pid: int,
    sid: int,
    written: datetime,
    now: datetime,
    tone: str,
    spend: list[tuple[int, str, str, datetime]],
    subscriber: bool,
) -> int:
    vid = ids.take("videos")
    model, provider, per_second, durations, typical, success = rng.choices(MODELS, MODEL_WEIGHTS)[0]
    duration = rng.choice(durations)
    credits = per_second * duration
    requested = written + timedelta(seconds=rng.uniform(30, 3 * DAY))
    if requested > now:
        requested = now - timedelta(seconds=rng.uniform(0, 600))
    latency = typical * rng.lognormvariate(0, 0.45)
    attempts = 1 if rng.random() < 0.88 else rng.choice((2, 2, 3))
    latency *= attempts
    finished = requested + timedelta(seconds=latency)
    roll = rng.random()
    row: dict[str, Any] = {
        "id": vid,
        "user_id": uid,
        "image_id": pid,
        "script_id": sid,
        "prompt": "",
        "model": model,
        "provider": provider,
        "duration": duration,
        "credits_used": credits,
        "created_at": requested,
        "attempts": attempts,
        "progress": 0,
        "size": "720x1280",
        "charge_waived": False,
    }
    spend.append((-credits, "video", f"video:{vid}", requested))
    if finished > now:
        row.update(status="processing", progress=int(100 * rng.random()))
    elif roll < success - 0.03:
        row.update(status="completed", completed_at=finished, progress=100)
        _kept(rng, ids, batch, vid, uid, finished, now, tone, subscriber)
    elif roll < 0.97:
        code = _pick(rng, ERRORS)
        row.update(status="failed", error_code=code, error_message=code.replace("_", " "))
        row.update(completed_at=finished, refunded_at=finished)
        spend.append((credits, "refund", f"video:{vid}", finished))
    else:
        canceled = requested + timedelta(seconds=latency * rng.random())
        row.update(status="canceled", completed_at=canceled, refunded_at=canceled)
        spend.append((credits, "refund", f"video:{vid}", canceled))
    batch.add("videos", row)
    return 1


def _kept(
    rng: random.Random,
    ids: _Ids,
    batch: _Batch,
    vid: int,
    uid: int,
    finished: datetime,
    now: datetime,
    tone: str,
    subscriber: bool,
) -> None:
    """Downloads of a finished clip, and for some of the downloaded ones, ad results."""
    appeal = TONES[tone] * (1.2 if subscriber else 1.0)
    if rng.random() > 0.42 * appeal:
        return
    for _ in range(1 if rng.random() < 0.9 else 2):
        when = finished + timedelta(seconds=rng.uniform(5, 2 * DAY))
        if when < now:
            batch.add(
                "video_downloads",
                {"id": ids.take("video_downloads"), "video_id": vid, "user_id": uid,
                 "source": "media", "created_at": when},
            )  # fmt: skip
    if rng.random() > 0.14:
        return
    first = (finished + timedelta(days=1)).date()
    ctr = 0.018 * appeal * rng.lognormvariate(0, 0.3)
    for n in range(rng.randint(3, 14)):
        day = first + timedelta(days=n)
        if day > now.date():
            break
        impressions = rng.randint(200, 5000)
        clicks = min(impressions, int(impressions * ctr))
        batch.add(
            "ad_results",
            {
                "id": ids.take("ad_results"),
                "video_id": vid,
                "day": day,
                "impressions": impressions,
                "clicks": clicks,
                "conversions": int(clicks * rng.uniform(0.03, 0.12)),
                "spend_cents": int(impressions * rng.uniform(0.4, 1.2)),
                "imported_at": now,
            },
        )


def _write(batch: _Batch) -> None:
    with session_scope() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        for name in _TABLES:
            rows = batch.rows.get(name, [])
            if not rows:
                continue
            if postgres:
                _copy(session, name, rows)
            else:
                table = _TABLES[name].__table__  # type: ignore[attr-defined]
                for start in range(0, len(rows), 5000):
                    session.execute(insert(table), _complete(table, rows[start : start + 5000]))
        if postgres:
            for name in _TABLES:
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                    )
                )


def _complete(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany needs the same keys in every row."""
    keys = {c.name for c in table.columns}
    return [{k: r.get(k) for k in keys} for r in rows]


def _copy(session: Session, name: str, rows: list[dict[str, Any]]) -> None:
    columns = sorted({k for r in rows for k in r})
    raw = session.connection().connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in _values(rows, columns):
            copy.write_row(row)


def _values(rows: list[dict[str, Any]], columns: list[str]) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(row.get(c) for c in columns)
