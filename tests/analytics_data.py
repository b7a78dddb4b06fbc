"""A small hand-built data set whose every analytics figure is known in advance.

The window is March 2026 (custom); February holds one photo, script and clip of the
previous window. Comments give the figures the tests expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from v4a_portal.db import session_scope
from v4a_portal.models import (
    AdResult,
    CreditLedger,
    GeneratedScript,
    LedgerKind,
    Role,
    UploadedImage,
    User,
    Video,
    VideoDownload,
)
from v4a_portal.services import ledger
from v4a_portal.services.analytics.filters import Filters

WINDOW = {"window": "custom", "start": "2026-03-01", "end": "2026-03-31"}


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def march(**narrowing: str) -> Filters:
    return Filters.from_query({**WINDOW, **narrowing})


@dataclass
class Lineage:
    users: dict[str, int]
    photos: dict[str, int]
    scripts: dict[str, int]
    clips: dict[str, int]


def build() -> Lineage:
    """u1 (subscriber) and u2 sign up the week of 2 March, u3 the week of 9 March."""
    with session_scope() as s:
        users = {
            "u1": User(email="u1@test.example", created_at=at(2), is_subscriber=True),
            "u2": User(email="u2@test.example", created_at=at(3)),
            "u3": User(email="u3@test.example", created_at=at(10)),
            "analyst": User(email="an@test.example", created_at=at(4), role=Role.analyst.value),
        }
        s.add_all(users.values())
        s.flush()
        uid = {k: int(u.id or 0) for k, u in users.items()}

        def photo(user: str, when: datetime) -> int:
            row = UploadedImage(
                user_id=uid[user], file_path="k", storage_url="/m/k", created_at=when
            )
            s.add(row)
            s.flush()
            return int(row.id or 0)

        # Uploads: 3 in March (p1 p2 p3), 1 in February.
        photos = {"p1": photo("u1", at(5)), "p2": photo("u2", at(5)), "p3": photo("u3", at(11))}
        photos["p_old"] = photo("u1", at(10, month=2))

        def script(user: str, image: str, when: datetime, parent: str = "", **attrs: object) -> int:
            row = GeneratedScript(
                user_id=uid[user],
                image_id=photos[image],
                script_text="Buy it.",
                created_at=when,
                parent_script_id=scripts[parent] if parent else None,
                **attrs,
            )
            s.add(row)
            s.flush()
            return int(row.id or 0)

        scripts: dict[str, int] = {}
        playful = {
            "tone": "playful",
            "writer": "local",
            "audience": "parents",
            "target_duration": 8,
        }
        serious = {
            "tone": "serious",
            "writer": "openai",
            "audience": "gamers",
            "target_duration": 4,
        }
        scripts["s1"] = script("u1", "p1", at(5, 10), **playful)
        scripts["s2"] = script("u1", "p1", at(5, 11), "s1", **playful)  # regenerated before clip
        scripts["s3"] = script("u2", "p2", at(6, 9), **serious)
        scripts["s4"] = script("u2", "p2", at(6, 9), **serious)  # never made a clip
        scripts["s_old"] = script("u1", "p_old", at(10, month=2), **playful)

        def clip(
            name: str,
            script_name: str,
            model: str,
            status: str,
            seconds: int | None,
            credits: int,
            when: datetime,
            **extra: object,
        ) -> None:
            user = "u1" if script_name in ("s1", "s2", "s_old") else "u2"
            row = Video(
                user_id=uid[user],
                image_id=None,
                script_id=scripts[script_name],
                model=model,
                provider="draft" if model == "draft" else "veo",
                status=status,
                duration=4,
                credits_used=credits,
                created_at=when,
                completed_at=when + timedelta(seconds=seconds) if seconds is not None else None,
                file_path=f"videos/{name}.mp4",
                attempts=1,
                **extra,
            )
            s.add(row)
            s.flush()
            clips[name] = int(row.id or 0)

        clips: dict[str, int] = {}
        # March clips: 5 requested, 3 completed (60 s, 120 s, 180 s), 1 failed, 1 canceled.
        clip("v1", "s2", "draft", "completed", 60, 4, at(5, 12))
        clip(
            "v2",
            "s2",
            "draft",
            "failed",
            None,
            4,
            at(5, 13),
            error_code="render_error",
            refunded_at=at(5, 14),
        )
        clip("v3", "s3", "veo-3.1-fast", "completed", 120, 40, at(7))
        clip("v4", "s3", "veo-3.1-fast", "completed", 180, 40, at(8))
        clip("v5", "s3", "veo-3.1-fast", "canceled", None, 40, at(8, 12), refunded_at=at(8, 13))
        clip("v_old", "s_old", "draft", "completed", 30, 4, at(10, 12, month=2))

        s.add(VideoDownload(video_id=clips["v1"], user_id=uid["u1"], created_at=at(6)))
        s.add(VideoDownload(video_id=clips["v1"], user_id=uid["u1"], created_at=at(7)))
        # Ad results: playful 2000 impressions, 80 clicks, 8 conversions, $20;
        # serious 2000 impressions, 40 clicks, 3 conversions, $10.
        for video, day, imp, clicks, conv, cents in (
            ("v1", 10, 1000, 50, 5, 1000),
            ("v1", 11, 1000, 30, 3, 1000),
            ("v3", 10, 500, 10, 1, 500),
            ("v4", 10, 1500, 30, 2, 500),
        ):
            s.add(
                AdResult(
                    video_id=clips[video],
                    day=at(day).date(),
                    impressions=imp,
                    clicks=clicks,
                    conversions=conv,
                    spend_cents=cents,
                )
            )
        # Credits in March: granted 100, spent 168, refunded 44, sold 500.
        entries = [
            ("u1", 50, LedgerKind.signup_bonus, at(2)),
            ("u1", -10, LedgerKind.script, at(5)),
            ("u1", -10, LedgerKind.script, at(5)),
            ("u1", -4, LedgerKind.video, at(5)),
            ("u1", -4, LedgerKind.video, at(5)),
            ("u1", 4, LedgerKind.refund, at(5)),
            ("u2", 50, LedgerKind.signup_bonus, at(3)),
            ("u2", 500, LedgerKind.purchase, at(3)),
            ("u2", -10, LedgerKind.script, at(6)),
            ("u2", -10, LedgerKind.script, at(6)),
            ("u2", -40, LedgerKind.video, at(7)),
            ("u2", -40, LedgerKind.video, at(8)),
            ("u2", -40, LedgerKind.video, at(8)),
            ("u2", 40, LedgerKind.refund, at(8)),
        ]
        for n, (user, delta, kind, when) in enumerate(entries):
            entry = ledger.post(s, user_id=uid[user], delta=delta, kind=kind, key=f"t:{n}")
            s.execute(
                update(CreditLedger).where(CreditLedger.id == entry.id).values(created_at=when)
            )
    return Lineage(uid, photos, scripts, clips)
