"""Progress messages applied to clip cards: forward only, others' clips ignored, a refund
noticed so the header's balance is read again."""

from __future__ import annotations

import dataclasses

from v4a_portal.state.clip_cards import ClipCard, apply_events, with_event

QUEUED = ClipCard(
    id=7,
    status="pending",
    status_label="Queued",
    active=True,
    progress=0,
    error="",
    refunded=False,
    video_url="",
    poster_url="/media/uploads/1/photo.jpg",
    download_name="v4a-clip-7.mp4",
    download_href="/api/v1/videos/7/download",
    spec="4 s · Portrait · Draft preview (local)",
    credits=4,
    when="",
    photo_url="/media/uploads/1/photo.jpg",
    photo_name="photo.jpg",
    script_id=0,
    script_label="",
    script_url="",
)


def _event(status: str, progress: int = 0, **extra: object) -> dict[str, object]:
    return {"video_id": 7, "status": status, "progress": progress, **extra}


def test_progress_moves_forward_only() -> None:
    card = with_event(QUEUED, _event("processing", 40))
    assert (card.status, card.status_label, card.progress, card.active) == (
        "processing",
        "Generating",
        40,
        True,
    )
    assert with_event(card, _event("processing", 30)).progress == 40  # late, ignored
    assert with_event(card, _event("pending", 0)) == card  # never back to the queue
    assert with_event(card, _event("processing", 150)).progress == 99  # 100 means playable


def test_completed_shows_the_video_and_its_thumbnail() -> None:
    done = with_event(
        QUEUED,
        _event("completed", 100, video_url="/media/v.mp4", thumbnail_url="/media/v.jpg"),
    )
    assert (done.status_label, done.active, done.progress) == ("Ready", False, 100)
    assert (done.video_url, done.poster_url) == ("/media/v.mp4", "/media/v.jpg")
    assert with_event(done, _event("processing", 50)) == done  # an end is for good
    assert with_event(done, _event("failed", 0, error_message="x")) == done


def test_a_failure_reports_the_refund_once() -> None:
    running = dataclasses.replace(QUEUED, status="processing", progress=55)
    failed = _event("failed", 55, error_message="It broke. Refunded.", refunded=True)
    other = {"video_id": 99, "status": "completed", "progress": 100}

    cards, refunded = apply_events([running], [other, failed])

    assert refunded
    assert cards[0].error == "It broke. Refunded." and cards[0].refunded
    assert (cards[0].status_label, cards[0].active) == ("Failed", False)
    again, refunded_again = apply_events(cards, [failed])
    assert again == cards and not refunded_again


def test_garbage_changes_nothing() -> None:
    for event in ({"video_id": 7, "status": "exploded"}, {"video_id": "7"}, {}):
        assert apply_events([QUEUED], [event]) == ([QUEUED], False)
    assert with_event(QUEUED, _event("processing", "lots")).progress == 0  # type: ignore[arg-type]


def test_a_queued_clip_says_what_it_waits_for() -> None:
    """A remote provider caps its generations in flight: the clip waits there; a draft
    waits for this machine's renderer."""
    from datetime import UTC, datetime

    from v4a_portal.models import Video
    from v4a_portal.state.clip_cards import clip_card

    def card(provider: str | None) -> ClipCard:
        video = Video(
            id=9, user_id=1, model="m", provider=provider, duration=8, status="pending",
            created_at=datetime(2026, 11, 1, tzinfo=UTC),
        )  # fmt: skip
        return clip_card(video, None, None)

    assert card("veo").waiting == "Queued at Veo…"
    assert card("sora").waiting == "Queued at Sora…"
    assert card("draft").waiting == "Waiting for a free render slot…"
    assert card(None).waiting == "Queued…"
