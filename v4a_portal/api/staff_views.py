"""Staff console reads over REST: a user's detail, every clip (filtered, sorted, paged) and
the RQ queues: the same `services/console` functions as the console pages. Each route asks
the permission module through its dependency, and the service asks again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from redis.exceptions import RedisError

from v4a_portal.api.deps import PageNumber, PerPage, RowId, require
from v4a_portal.models import User
from v4a_portal.services.console import queue_status, user_detail, video_search
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.errors import Unavailable

router = APIRouter(prefix="/api/v1/staff", tags=["staff"])


def _context(request: Request, user: User) -> StaffContext:
    client = request.client.host if request.client else None
    return StaffContext(actor=user, ip=client, user_agent=request.headers.get("user-agent"))


@router.get(
    "/users/{user_id}",
    response_model=user_detail.Profile,
    summary="A user's profile, balance (credits.view) and how much they made",
)
def get_user(
    user_id: RowId,
    request: Request,
    user: Annotated[User, Depends(require(user_detail.PERMISSION))],
) -> user_detail.Profile:
    return user_detail.profile(_context(request, user), user_id)


@router.get(
    "/clips",
    response_model=video_search.VideoPage,
    summary="Every clip across users: filter, sort, page",
)
def list_clips(
    request: Request,
    user: Annotated[User, Depends(require(video_search.PERMISSION))],
    status: Annotated[str, Query(max_length=100, description="e.g. failed,canceled")] = "",
    model: Annotated[str, Query(max_length=60)] = "",
    provider: Annotated[str, Query(max_length=40)] = "",
    error_code: Annotated[str, Query(max_length=60)] = "",
    user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    video_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    batch_id: Annotated[str, Query(max_length=64)] = "",
    since: Annotated[datetime | None, Query(description="requested at or after")] = None,
    until: Annotated[datetime | None, Query(description="requested before")] = None,
    sort: Annotated[str, Query(pattern="^(" + "|".join(video_search.SORTABLE) + ")$")] = (
        "created_at"
    ),
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> video_search.VideoPage:
    filters = video_search.VideoFilters(
        status=status,
        model=model,
        provider=provider,
        error_code=error_code,
        user_id=user_id,
        since=since,
        until=until,
        video_id=video_id,
        batch_id=batch_id,
    )
    return video_search.search(
        _context(request, user),
        filters,
        sort=sort,
        descending=order == "desc",
        page=page,
        per_page=per_page,
    )


@dataclass(frozen=True)
class QueuesOut:
    queues: list[queue_status.QueueCounts]
    workers: list[queue_status.WorkerLine]
    failed_jobs: list[queue_status.FailedJob]
    throughput: list[queue_status.ThroughputPoint]


@router.get(
    "/queues",
    response_model=QueuesOut,
    summary="RQ queues, workers, failed jobs, and clips finished per 10 minutes (24 h)",
)
def queues(
    request: Request, user: Annotated[User, Depends(require(queue_status.PERMISSION))]
) -> QueuesOut:
    ctx = _context(request, user)
    try:
        status = queue_status.snapshot(ctx)
    except (RedisError, OSError) as exc:
        raise Unavailable("The queues cannot be read: Redis is not answering.") from exc
    return QueuesOut(
        status.queues, status.workers, status.failed_jobs, queue_status.throughput(ctx)
    )
