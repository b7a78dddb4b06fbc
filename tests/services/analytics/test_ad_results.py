"""Ad-results import: good rows stored, bad rows refused with reasons, idempotent per
(video, date), so a second import of the same file changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import analytics_data as data
from v4a_portal.db import session_scope
from v4a_portal.models import AdResult, Role, User
from v4a_portal.services.analytics import ad_results
from v4a_portal.services.errors import Forbidden, InvalidInput


def _user(role: Role) -> User:
    with session_scope() as session:
        user = User(email=f"{role.value}-imp@test.example", role=role.value)
        session.add(user)
        session.flush()
        return user


def _import(text: str, role: Role = Role.analyst) -> ad_results.ImportReport:
    actor = _user(role) if role != Role.analyst else _analyst()
    with session_scope() as session:
        return ad_results.import_csv(session, actor, text)


def _analyst() -> User:
    with session_scope() as session:
        user = session.execute(select(User).where(User.email == "an@test.example")).scalar_one()
        session.expunge(user)
        return user


def _stored() -> dict[tuple[int, str], tuple[int, int, int, int]]:
    with session_scope() as session:
        rows = session.execute(select(AdResult)).scalars().all()
        return {
            (r.video_id, str(r.day)): (r.impressions, r.clicks, r.conversions, r.spend_cents)
            for r in rows
        }


def test_good_file_then_same_file_again(any_db: str) -> None:
    built = data.build()
    v3, v5 = built.clips["v3"], built.clips["v5"]
    text = (
        "video_id,date,impressions,clicks,conversions,spend\n"
        f"{v5},2026-03-12,900,45,4,12.50\n"
        f"{v5},2026-03-13,100,5,0,1\n"
        f"{v3},2026-03-10,500,10,1,5.00\n"  # already stored by the data set, same figures
    )
    before = len(_stored())
    first = _import(text)
    assert first.as_dict() == {"inserted": 2, "updated": 0, "unchanged": 1, "refused": []}
    stored = _stored()
    assert len(stored) == before + 2
    assert stored[(v5, "2026-03-12")] == (900, 45, 4, 1250)
    again = _import(text)
    assert again.as_dict() == {"inserted": 0, "updated": 0, "unchanged": 3, "refused": []}
    assert _stored() == stored
    # A corrected figure for the same (video, date) replaces the old one; it never adds up.
    fixed = _import(
        f"video_id,date,impressions,clicks,conversions,spend\n{v5},2026-03-12,950,45,4,12.50\n"
    )
    assert (fixed.inserted, fixed.updated) == (0, 1)
    assert _stored()[(v5, "2026-03-12")] == (950, 45, 4, 1250)


def test_bad_rows_are_refused_with_reasons(any_db: str) -> None:
    built = data.build()
    theirs = built.clips["v4"]  # u2's clip: analysts see every customer's clips
    text = (
        "Video_ID, Date ,impressions,clicks,conversions,spend\n"
        f"{theirs},2026-03-20,100,10,1,2.00\n"  # row 2: fine
        "999999,2026-03-20,100,10,1,2.00\n"  # row 3: no such clip
        f"{theirs},2026-03-21,-5,1,0,1\n"  # row 4: negative
        f"{theirs},2026-02-30,100,1,0,1\n"  # row 5: no such day
        f"{theirs},20/03/2026,100,1,0,1\n"  # row 6: not ISO
        f"{theirs},2026-03-20,100,10,1,2.00\n"  # row 7: repeats row 2
        f"{theirs},2026-03-22,100,1,0,-3\n"  # row 8: negative spend
        f"{theirs},2026-03-23,10,20,0,1\n"  # row 9: more clicks than impressions
        f"abc,2026-03-23,1,0,0,x\n"  # row 10: two problems
    )
    report = _import(text)
    assert report.inserted == 1
    reasons = {r["row"]: " / ".join(r["errors"]) for r in report.refused}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "no clip #999999" in reasons[3]
    assert "impressions -5 is negative" in reasons[4]
    assert "2026-02-30" in reasons[5] and "20/03/2026" in reasons[6]
    assert "repeats row 2" in reasons[7]
    assert "spend -3 is negative" in reasons[8]
    assert "more clicks than impressions" in reasons[9]
    assert "video_id 'abc'" in reasons[10] and "spend 'x'" in reasons[10]
    assert (theirs, "2026-03-20") in _stored()


def test_missing_columns_refuse_the_file(any_db: str) -> None:
    data.build()
    with pytest.raises(InvalidInput, match="lacks spend"):
        _import("video_id,date,impressions,clicks,conversions\n1,2026-03-01,1,1,1\n")


def test_only_analysts_and_admins_import(any_db: str) -> None:
    data.build()
    for role in (Role.customer, Role.support):
        with pytest.raises(Forbidden):
            _import("video_id,date,impressions,clicks,conversions,spend\n", role)
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(AdResult)).scalar_one() == 4
