"""GET /media/{key}: files of the local storage backend, with Range support for video seeking.

Served from the local folder whatever the configured backend, so links made before a move
to GCS keep working while the files are still here. Keys contain a UUID and never change,
hence the year-long immutable cache. Starlette's FileResponse answers Range (206/416).
"""

from __future__ import annotations

import stat
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from v4a_portal.api import origin_check
from v4a_portal.db import session_scope
from v4a_portal.services import storage
from v4a_portal.services.analytics import downloads
from v4a_portal.services.errors import NotFound

router = APIRouter(tags=["media"])

_HEADERS = {
    "Cache-Control": storage.CACHE_CONTROL,
    # Never let a browser guess another type, and never run anything from this route.
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}


@router.api_route("/media/{key:path}", methods=["GET", "HEAD"], include_in_schema=False)
def media(
    key: str,
    request: Request,
    download: bool = False,
    save_as: Annotated[str | None, Query(max_length=200)] = None,
) -> FileResponse:
    """`?download=1` saves the file (attachment) and counts a download of a finished clip:
    once per download, not per resumed range of it. `?save_as=<name>` saves it under that
    name without counting: GET /api/v1/videos/{id}/download counted it before redirecting."""
    try:
        path = storage.local_storage().path(key)
        info = path.stat()
    except (storage.InvalidKey, OSError) as exc:
        raise NotFound("No such file.") from exc
    if not stat.S_ISREG(info.st_mode):
        raise NotFound("No such file.")
    headers = _HEADERS
    if download and _counts(request):
        with session_scope() as session:
            downloads.record_by_file(session, key)
    if download or save_as:
        # The name goes into a header: only [A-Za-z0-9._-], and the file's own extension.
        name = storage.safe_filename(save_as or path.name, extension=path.suffix)
        headers = {**_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'}
    return FileResponse(
        path, media_type=storage.content_type_for(key), stat_result=info, headers=headers
    )


def _counts(request: Request) -> bool:
    """Whether a `?download=1` request counts: a GET from its first byte (not a resumed range
    of it), from the portal's own pages (see GET /api/v1/videos/{id}/download)."""
    first_byte = request.headers.get("range", "bytes=0-").startswith("bytes=0-")
    return (
        request.method == "GET"
        and first_byte
        and not origin_check.from_foreign_page(request.headers)
    )
