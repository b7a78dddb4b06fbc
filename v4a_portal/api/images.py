"""Product photos over REST: upload, list, show, delete. The rules live in services/images."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from v4a_portal.api.deps import CurrentUser, DbSession, PageNumber, PerPage, RowId
from v4a_portal.api.multipart import read_file_field
from v4a_portal.models import UploadedImage
from v4a_portal.services import images
from v4a_portal.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["images"])


class ImageOut(BaseModel):
    id: int
    storage_url: str
    thumbnail_url: str = Field(
        description=f"A JPEG at most {images.THUMBNAIL_SIZE} px on its longest side, for grids; "
        "the photo itself for photos uploaded before thumbnails existed"
    )
    width: int | None
    height: int | None
    content_type: str | None
    size: int | None
    sha256: str | None
    original_filename: str | None
    created_at: datetime

    @classmethod
    def of(cls, image: UploadedImage) -> ImageOut:
        # URLs are made per request: signed and short-lived when the bucket is private.
        urls = {
            "storage_url": images.url_for(image),
            "thumbnail_url": images.thumbnail_url_for(image),
        }
        return cls.model_validate({**image.model_dump(), **urls})


class ImagePage(BaseModel):
    items: list[ImageOut]
    total: int
    page: int
    per_page: int


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/ai/upload-image",
    status_code=201,
    response_model=ImageOut,
    summary="Upload a product photo (JPEG, PNG or WebP)",
    description="201 with the new image; 200 with the existing one when this user already "
    "uploaded the same file. 413 too large, 415 not a supported image, 422 damaged or empty.",
    openapi_extra=_UPLOAD_BODY,
)
async def upload_image(
    request: Request, response: Response, user: CurrentUser, session: DbSession
) -> ImageOut:
    assert user.id is not None
    upload = await read_file_field(request, "file", get_settings().max_upload_bytes)
    try:
        saved = await run_in_threadpool(
            images.save_upload,
            session,
            user.id,
            upload.filename,
            upload.file,
            declared_type=upload.content_type,
        )
    finally:
        await upload.close()
    if not saved.created:
        response.status_code = 200
    return ImageOut.of(saved.image)


@router.get("/images", response_model=ImagePage, summary="The user's photos, newest first")
def list_images(
    user: CurrentUser,
    session: DbSession,
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> ImagePage:
    assert user.id is not None
    rows, total = images.list_for(session, user.id, page=page, per_page=per_page)
    return ImagePage(
        items=[ImageOut.of(r) for r in rows], total=total, page=page, per_page=per_page
    )


@router.get("/images/{image_id}", response_model=ImageOut)
def get_image(image_id: RowId, user: CurrentUser, session: DbSession) -> ImageOut:
    assert user.id is not None
    return ImageOut.of(images.get_owned(session, user.id, image_id))


@router.delete("/images/{image_id}", status_code=204, summary="Delete a photo and its file")
def delete_image(image_id: RowId, user: CurrentUser, session: DbSession) -> Response:
    assert user.id is not None
    images.delete(session, user.id, image_id)
    return Response(status_code=204)
