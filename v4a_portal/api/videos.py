"""Video routes: the model catalog, generate (202, jobs run in workers), list, read, cancel.
The rules live in services/videos.py; live progress is api/events.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from v4a_portal.api import origin_check
from v4a_portal.api.deps import CurrentUser, DbSession, PageNumber, PerPage, RowId
from v4a_portal.models import Video
from v4a_portal.services import catalog, storage, videos
from v4a_portal.services.analytics import downloads
from v4a_portal.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["videos"])


class GenerateIn(BaseModel):
    image_id: RowId
    script_id: RowId | None = None
    prompt: str | None = Field(None, max_length=videos.MAX_PROMPT)
    model: str = Field("draft", max_length=60)
    duration: int = Field(ge=1, le=600)
    size: str = Field(catalog.PORTRAIT, max_length=20)
    count: int = Field(1, ge=1, le=100)


class GenerateOut(BaseModel):
    video_ids: list[int]
    batch_id: str
    credits_used: int
    balance: int


class VideoOut(BaseModel):
    id: int
    status: str
    progress: int
    model: str
    provider: str | None
    duration: int
    size: str | None
    prompt: str
    image_id: int | None
    script_id: int | None
    batch_id: str | None
    credits_used: int
    video_url: str | None
    thumbnail_url: str | None
    error_code: str | None
    error_message: str | None
    refunded: bool
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, video: Video) -> VideoOut:
        store = storage.get_storage()
        key = video.file_path
        return cls.model_validate(
            {
                **video.model_dump(),
                # Signed per request when the bucket is private.
                "video_url": store.url(key) if key else None,
                "thumbnail_url": store.url(storage.thumbnail_key(key)) if key else None,
                "refunded": video.refunded_at is not None,
            }
        )


class VideoPage(BaseModel):
    items: list[VideoOut]
    total: int
    page: int
    per_page: int


class ModelsOut(BaseModel):
    models: list[dict[str, object]]
    max_clips: int
    script_credits: int


@router.get("/models", response_model=ModelsOut, summary="The enabled video models and prices")
def list_models() -> ModelsOut:
    return ModelsOut(
        models=[m.as_dict() for m in catalog.models()],
        max_clips=get_settings().max_clips_per_request,
        script_credits=catalog.script_price(),
    )


@router.post(
    "/ai/generate-video",
    status_code=202,
    response_model=GenerateOut,
    summary="Generate 1-9 clips from a photo and a script or prompt",
    description="Debits all clips' credits at once (402 when short: nothing is created) and "
    "queues one job per clip. 422 for a model, duration, size or count the catalog does not "
    "offer; 404 for another user's photo or script. Send an `Idempotency-Key` header to make "
    "retries safe: a repeated key answers with the first request's clips, charged once. "
    "Follow progress at /api/v1/videos/{id}/events.",
)
def generate_video(
    body: GenerateIn,
    user: CurrentUser,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> GenerateOut:
    assert user.id is not None
    result = videos.request(
        user.id,
        body.image_id,
        body.script_id,
        body.prompt,
        body.model,
        body.duration,
        body.size,
        body.count,
        idempotency_key=idempotency_key,
    )
    return GenerateOut(
        video_ids=result.video_ids,
        batch_id=result.batch_id,
        credits_used=result.credits_used,
        balance=result.balance,
    )


@router.get("/videos", response_model=VideoPage)
def list_videos(
    user: CurrentUser,
    session: DbSession,
    status: Annotated[
        str | None, Query(max_length=100, description="e.g. completed,failed")
    ] = None,
    batch_id: Annotated[str | None, Query(max_length=64)] = None,
    image_id: RowId | None = None,
    script_id: RowId | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> VideoPage:
    assert user.id is not None
    rows, total = videos.list_for(
        session,
        user.id,
        status=status,
        batch_id=batch_id,
        image_id=image_id,
        script_id=script_id,
        page=page,
        per_page=per_page,
    )
    return VideoPage(
        items=[VideoOut.of(r) for r in rows], total=total, page=page, per_page=per_page
    )


@router.get("/videos/{video_id}", response_model=VideoOut)
def get_video(video_id: RowId, user: CurrentUser, session: DbSession) -> VideoOut:
    assert user.id is not None
    return VideoOut.of(videos.get_owned(session, user.id, video_id))


@router.get(
    "/videos/{video_id}/download",
    status_code=303,
    response_class=RedirectResponse,
    summary="Download a finished clip (counted as kept)",
    description="Counts one download of the clip for analytics, then redirects (303) to a "
    "URL that serves the MP4 as an attachment named `v4a-clip-{id}.mp4`: the portal's "
    "/media for local storage, a short-lived signed URL for a private GCS bucket (a public "
    "bucket's URL otherwise). 404 for another user's clip, 409 `video_not_ready` for one "
    "without a finished file; nothing is counted then, nor when a browser follows the link "
    "from another site's page.",
    responses={303: {"description": "Where the file is"}},
)
def download_video(
    video_id: RowId, user: CurrentUser, session: DbSession, request: Request
) -> RedirectResponse:
    assert user.id is not None
    # A link on another site may send the user's cookie along: the file is still theirs to
    # have, but only the portal's own pages write a row with that cookie.
    count = not origin_check.from_foreign_page(request.headers)
    url = downloads.for_owner(session, user.id, video_id, count=count)
    return RedirectResponse(url, status_code=303)


class CanceledOut(BaseModel):
    video: VideoOut
    balance: int | None


@router.post(
    "/videos/{video_id}/cancel",
    response_model=CanceledOut,
    summary="Cancel a queued or running clip; its credits are refunded",
    description="409 when the clip already finished.",
)
def cancel_video(video_id: RowId, user: CurrentUser) -> CanceledOut:
    assert user.id is not None
    canceled = videos.cancel(user.id, video_id)
    return CanceledOut(video=VideoOut.of(canceled.video), balance=canceled.balance)
