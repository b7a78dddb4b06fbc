"""The console's ledger tab says what each entry paid for in words, keeps the stored
reference on hover and links where the console shows it."""

import dataclasses
from datetime import UTC, datetime

import pytest

from v4a_portal import routes
from v4a_portal.services.console.user_detail import LedgerLine
from v4a_portal.state.console_user import _ledger_item
from v4a_portal.state.messages import reference_label


@pytest.mark.parametrize(
    ("reference", "words"),
    [
        ("video:21", "Clip #21"),
        ("batch:c2510743aa11", "Batch c2510743"),
        ("image:36", "Script for photo #36"),
        ("regenerate:13", "Regeneration of script #13"),
        ("user:90", "Account"),
        ("pack:starter_500", "Credit pack: starter 500"),
        ("ticket 4411", "ticket 4411"),  # a staff member's own words stay
        ("video:", "video:"),
        ("", ""),
    ],
)
def test_reference_in_words(reference: str, words: str) -> None:
    assert reference_label(reference) == words


def test_ledger_item_keeps_the_raw_reference_and_links_it() -> None:
    line = LedgerLine(
        id=1,
        delta=-8,
        balance_after=42,
        kind="video_debit",
        reference="video:21",
        note="",
        actor_id=None,
        actor_email="",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    item = _ledger_item(7, line)
    assert (item.reference, item.reference_raw) == ("Clip #21", "video:21")
    assert item.reference_url == routes.console_clips(video="21")
    regenerated = _ledger_item(7, dataclasses.replace(line, reference="regenerate:13"))
    assert regenerated.reference_url == routes.console_user(7, tab="scripts")
