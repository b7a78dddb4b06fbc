"""Every video across users, for staff (clips.view): filters, sort, paging, and whether an
active one is stuck past the time its model should take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlmodel import col

from v4a_portal.db import read_scope, session_scope
from v4a_portal.models import ACTIVE_STATUSES, User, Video, VideoStatus, utcnow
from v4a_portal.services import catalog, paging, permissions
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.errors import InvalidInput
from v4a_portal.services.videos import reads, rq_jobs

PERMISSION = "clips.view"
SORTABLE = ("created_at", "completed_at", "status", "model", "provider", "attempts")
NULLABLE_SORTS = ("completed_at", "provider")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class VideoFilters:
    """Empty fields do not filter. `status` may list several: "failed,canceled"."""

    status: str = ""
    model: str = ""
    provider: str = ""
    error_code: str = ""
    user_id: int | None = None
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    video_id: int | None = None  # one video, and the retries of it
    batch_id: str = ""  # the videos of one request


@dataclass(slots=True)  # not frozen: frozen costs several times more per row built
class VideoLine:
    id: int
    user_id: int
    user_email: str
    status: str
    model: str
    provider: str
    duration: int
    credits_used: int
    progress: int
    attempts: int
    error_code: str
    error_message: str
    generation_id: str  # the provider's job id
    rq_job_id: str
    created_at: datetime
    completed_at: datetime | None
    refunded_at: datetime | None
    retry_of_id: int | None
    age_seconds: int  # since the request; up to the ending for finished ones
    expected_seconds: int  # what the model's job may take before it times out
    stuck: bool  # active and older than expected


@dataclass(frozen=True)
class VideoPage:
    items: list[VideoLine]
    total: int
    page: int
    per_page: int
    # True when counting stopped early: at least `total` clips match ("10,000+").
    total_capped: bool = False


@dataclass(frozen=True)
class Facets:
    """The values the filters offer: those present in the table."""

    statuses: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    error_codes: list[str] = field(default_factory=list)


def expected_seconds(model: str) -> int:
    """The longest a clip of `model` should take: its RQ job's timeout."""
    try:
        return catalog.get(model).timeout_seconds
    except InvalidInput:  # switched off since
        return rq_jobs.FALLBACK_TIMEOUT


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


_v = Video.__table__.c
# What a line shows, as Core columns: a page reads these, not whole Video entities (the
# prompt, script and URLs stay in the database).
_LINE_COLUMNS = (
    _v.id,
    _v.user_id,
    User.__table__.c.email.label("user_email"),
    _v.status,
    _v.model,
    _v.provider,
    _v.duration,
    _v.credits_used,
    _v.progress,
    _v.attempts,
    _v.error_code,
    _v.error_message,
    _v.provider_job_id,
    _v.rq_job_id,
    _v.created_at,
    _v.completed_at,
    _v.refunded_at,
    _v.retry_of_id,
)
_LINES = select(*_LINE_COLUMNS).select_from(
    Video.__table__.join(User.__table__, User.__table__.c.id == _v.user_id)
)


def line(video: Any, now: datetime, expected: int | None = None) -> VideoLine:
    """A row of `_LINES` (or a Video with a `user_email`) as the console shows it."""
    created = _aware(video.created_at) or now
    ended = _aware(video.completed_at)
    age = int(((ended or now) - created).total_seconds())
    if expected is None:
        expected = expected_seconds(video.model)
    active = video.status in ACTIVE_STATUSES
    return VideoLine(
        id=video.id,
        user_id=video.user_id,
        user_email=video.user_email,
        status=video.status,
        model=video.model,
        provider=video.provider or "",
        duration=video.duration,
        credits_used=video.credits_used,
        progress=video.progress,
        attempts=video.attempts,
        error_code=video.error_code or "",
        error_message=video.error_message or "",
        generation_id=video.provider_job_id or "",
        rq_job_id=video.rq_job_id or "",
        created_at=created,
        completed_at=ended,
        refunded_at=_aware(video.refunded_at),
        retry_of_id=video.retry_of_id,
        age_seconds=max(0, age),
        expected_seconds=expected,
        stuck=active and age > expected,
    )


# The condition each bind parameter of a search adds.
_CONDITIONS: dict[str, Any] = {
    "statuses": _v.status.in_(bindparam("statuses", expanding=True)),
    "model": _v.model == bindparam("model"),
    "provider": _v.provider == bindparam("provider"),
    "error_code": _v.error_code == bindparam("error_code"),
    "user_id": _v.user_id == bindparam("user_id"),
    "video_id": or_(_v.id == bindparam("video_id"), _v.retry_of_id == bindparam("video_id")),
    "batch_id": _v.batch_id == bindparam("batch_id"),
    "since": _v.created_at >= bindparam("since"),
    "until": _v.created_at < bindparam("until"),
}


def _params(filters: VideoFilters) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if filters.status.strip():
        params["statuses"] = list(reads.parse_statuses(filters.status))
    for name, value in (
        ("model", filters.model),
        ("provider", filters.provider),
        ("error_code", filters.error_code),
        ("batch_id", filters.batch_id),
    ):
        if value.strip():
            params[name] = value.strip()
    for name, given in (
        ("user_id", filters.user_id),
        ("video_id", filters.video_id),
        ("since", filters.since),
        ("until", filters.until),
    ):
        if given:
            params[name] = given
    return params


@lru_cache(maxsize=1024)
def _statements(conditions: frozenset[str], sort: str, descending: bool) -> tuple[Any, Any]:
    """The page and count statements for one set of filters in use and one order, built
    once: a search then only binds values (SQLAlchemy hashes a new statement object on
    every call, which on a short query costs about what the query does)."""
    where = [_CONDITIONS[name] for name in _CONDITIONS if name in conditions]
    column = _v[sort]
    order = column.desc() if descending else column.asc()
    # Only a nullable column needs NULLs placed (they last either way); on a NOT NULL column
    # NULLS LAST would keep PostgreSQL from walking its index.
    if sort in NULLABLE_SORTS:
        order = order.nulls_last()
    tie = _v.id.desc() if descending else _v.id.asc()
    rows = paging.paged(_LINES.where(*where).order_by(order, tie))
    return rows, paging.capped_count(select(_v.id).where(*where))


def search(
    ctx: StaffContext,
    filters: VideoFilters,
    *,
    sort: str = "created_at",
    descending: bool = True,
    page: int = 1,
    per_page: int = 20,
) -> VideoPage:
    """One page of the videos matching `filters`, and how many match."""
    permissions.require(ctx.actor, PERMISSION)
    if sort not in SORTABLE:
        raise InvalidInput(f"Cannot sort by {sort!r}; use one of {', '.join(SORTABLE)}.")
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    params = _params(filters)
    rows_query, count_query = _statements(frozenset(params), sort, descending)
    now = utcnow()
    with read_scope() as conn:
        rows, total, capped = paging.page_rows(
            conn, rows_query, count_query, page, per_page, params, capped=True
        )
    return VideoPage(_lines(rows, now), total, page, per_page, capped)


def _lines(rows: Sequence[Any], now: datetime) -> list[VideoLine]:
    expected: dict[str, int] = {}  # one catalog look-up per model on the page
    found = []
    for r in rows:
        if r.model not in expected:
            expected[r.model] = expected_seconds(r.model)
        found.append(line(r, now, expected[r.model]))
    return found


def lines(ctx: StaffContext, video_ids: list[int]) -> list[VideoLine]:
    """These videos now, in the order asked (missing ones left out): a live view's re-read."""
    permissions.require(ctx.actor, PERMISSION)
    if not video_ids:
        return []
    now = utcnow()
    with read_scope() as conn:
        rows = conn.execute(_LINES.where(_v.id.in_(video_ids))).all()
    found = {line.id: line for line in _lines(rows, now)}
    return [found[i] for i in video_ids if i in found]


def facets(ctx: StaffContext) -> Facets:
    """The distinct models, providers and error codes in the table, for the filters."""
    permissions.require(ctx.actor, PERMISSION)

    def distinct(column: Any) -> list[str]:
        found = session.execute(select(column).where(column.isnot(None)).distinct()).scalars()
        return sorted(str(value) for value in found if value)

    with session_scope() as session:
        return Facets(
            statuses=[s.value for s in VideoStatus],
            models=distinct(col(Video.model)),
            providers=distinct(col(Video.provider)),
            error_codes=distinct(col(Video.error_code)),
        )
