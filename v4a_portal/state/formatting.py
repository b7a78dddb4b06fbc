"""How numbers and times read in the UI. Times are stored in UTC and shown in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp(value: datetime | None) -> str:
    return _utc(value).strftime("%b %-d, %Y · %H:%M UTC") if value else ""


def day(value: datetime | None) -> str:
    return _utc(value).strftime("%b %-d, %Y") if value else ""


def signed(delta: int) -> str:
    """+50 / −10, with a real minus sign."""
    return f"+{delta:,}" if delta > 0 else f"−{-delta:,}"


def break_points(text: str) -> list[str]:
    """`text` cut after each "@" and ".", where a long email may wrap (the page puts a
    <wbr> between the parts) instead of mid-word."""
    parts, start = [], 0
    for at, char in enumerate(text):
        if char in "@.":
            parts.append(text[start : at + 1])
            start = at + 1
    return [*parts, text[start:]] if start < len(text) else parts
