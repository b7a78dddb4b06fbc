"""The credit history as the account page shows it: what each entry paid for, in words and
with a link, writing and regenerating told apart; no developer references."""

from __future__ import annotations

import uuid

import pytest

from tests.support.factories import funded_user
from tests.support.videos import photo
from v4a_portal.db import session_scope
from v4a_portal.models import LedgerKind, Video
from v4a_portal.providers.script_writer import AdScript, Brief
from v4a_portal.services import ledger, scripts
from v4a_portal.services.scripts import text_format
from v4a_portal.state.account import _history_page


class _Echo:
    name = "echo"

    def __init__(self, script: AdScript) -> None:
        self.script = script

    def write(self, brief: Brief) -> AdScript:
        return self.script


def _batch(user_id: int, image_id: int, clips: int) -> list[int]:
    """A paid batch of clips, as the order service writes it (one debit, one row a clip)."""
    batch = uuid.uuid4().hex
    with session_scope() as session:
        rows = [
            Video(
                user_id=user_id,
                image_id=image_id,
                prompt="p",
                model="draft",
                duration=4,
                credits_used=4,
                batch_id=batch,
            )
            for _ in range(clips)
        ]
        session.add_all(rows)
        ledger.post(
            session,
            user_id=user_id,
            delta=-4 * clips,
            kind=LedgerKind.video,
            key=f"videos:{batch}",
            reference=f"batch:{batch}",
        )
        session.flush()
        return [r.id or 0 for r in rows]


def test_entries_say_what_they_paid_for(sqlite_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    user = funded_user(100)
    image_id = photo(user)
    first = scripts.generate(user, scripts.ScriptRequest(image_id, "Mug")).script
    assert first.id is not None
    second = scripts.regenerate(user, first.id).script
    same = text_format.parse(first.script_text)
    assert same is not None
    with pytest.raises(scripts.SameScript):
        scripts.regenerate(user, first.id, writer=_Echo(same))
    (one,) = _batch(user, image_id, 1)
    three = _batch(user, image_id, 3)

    rows, total = _history_page(user, 1)

    assert total == 7
    shown = [(r.kind, r.delta, r.reference, r.reference_url) for r in rows]
    assert shown == [
        ("Video generation", "−12", "Batch of 3 clips", "/library?tab=videos"),
        ("Video generation", "−4", f"Clip #{one}", "/library?tab=videos"),
        ("Refund", "+10", f"Regeneration of script #{first.id}", f"/studio?script={first.id}"),
        (
            "Ad script regenerated",
            "−10",
            f"Regeneration of script #{first.id}",
            f"/studio?script={first.id}",
        ),
        (
            "Ad script regenerated",
            "−10",
            f"Script #{second.id}, regenerated from #{first.id}",
            f"/studio?script={second.id}",
        ),
        ("Ad script written", "−10", f"Script #{first.id}", f"/studio?script={first.id}"),
        ("Credit purchase", "+100", "Credit pack: test", ""),
    ]
    assert rows[2].note == "The new version was the same as the script it redid"
    assert [r.note for r in rows if r.kind != "Refund"] == [""] * 6  # no codes, no order lines
    assert len(three) == 3
    for row in rows:
        assert not any(raw in row.reference for raw in ("image:", "batch:", "user:", "script:"))
