"""The filter bar every analytics page and endpoint shares, and how it reads from a URL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from v4a_portal.models import utcnow
from v4a_portal.services.errors import InvalidInput

PRESETS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90, "365d": 365}
DEFAULT_PRESET = "30d"
CUSTOM = "custom"
SUBSCRIBER_CHOICES = ("", "yes", "no")
# The longest custom window: a decade of days keeps every series a few thousand points.
MAX_DAYS = 3660
TEXT_FILTERS = ("model", "provider", "writer", "tone", "audience")


@dataclass(frozen=True)
class Filters:
    """A time window of whole UTC days (`end` included) and the optional narrowing filters.

    Clip figures follow every filter; script figures follow writer, tone, audience and
    subscriber; photo and credit figures follow subscriber only.
    """

    start: date
    end: date
    window: str = DEFAULT_PRESET
    model: str = ""
    provider: str = ""
    writer: str = ""
    tone: str = ""
    audience: str = ""
    subscriber: str = ""

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the window."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The same filters over the window of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return replace(self, start=end - timedelta(days=self.days - 1), end=end)

    @property
    def script_filtered(self) -> bool:
        return bool(self.writer or self.tone or self.audience)

    def to_query(self) -> dict[str, str]:
        """The URL query that gives these filters back (defaults left out)."""
        query: dict[str, str] = {}
        if self.window == CUSTOM:
            query.update(window=CUSTOM, start=self.start.isoformat(), end=self.end.isoformat())
        elif self.window != DEFAULT_PRESET:
            query["window"] = self.window
        for name in (*TEXT_FILTERS, "subscriber"):
            if value := getattr(self, name):
                query[name] = value
        return query

    @classmethod
    def from_query(cls, params: Mapping[str, str], today: date | None = None) -> Filters:
        """Read the filters from URL query parameters; a value that makes no sense is refused."""
        today = today or utcnow().date()
        window = params.get("window", "") or DEFAULT_PRESET
        if window in PRESETS:
            start, end = today - timedelta(days=PRESETS[window] - 1), today
        elif window == CUSTOM:
            start, end = _day(params, "start"), _day(params, "end")
            if end < start:
                raise InvalidInput("The window ends before it starts.", code="invalid_window")
            if (end - start).days >= MAX_DAYS:
                raise InvalidInput("The window is longer than ten years.", code="invalid_window")
        else:
            raise InvalidInput(
                f"window must be one of {', '.join([*PRESETS, CUSTOM])}.", code="invalid_window"
            )
        subscriber = params.get("subscriber", "")
        if subscriber not in SUBSCRIBER_CHOICES:
            raise InvalidInput("subscriber must be yes or no.", code="invalid_filter")
        text = {name: params.get(name, "").strip()[:200] for name in TEXT_FILTERS}
        return cls(start=start, end=end, window=window, subscriber=subscriber, **text)


def _day(params: Mapping[str, str], name: str) -> date:
    try:
        return date.fromisoformat(params.get(name, ""))
    except ValueError:
        raise InvalidInput(
            f"{name} must be a date like 2026-01-31.", code="invalid_window"
        ) from None
