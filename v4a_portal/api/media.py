"""GET /media/{key}: files of the local storage backend, with Range support for video seeking.

Served from the local folder whatever the configured backend, so links made before a move
to GCS keep working while the files are still here. Keys contain a UUID and never change,
hence the year-long immutable cache. Starlette's FileResponse answers Range (206/416).
"""

from __future__ import annotations

import stat

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

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
def media(key: str, request: Request, download: bool = False) -> FileResponse:
    """`?download=1` saves the file (attachment) and counts a download of a finished clip:
    once per download, not per resumed range of it."""
    try:
        path = storage.local_storage().path(key)
        info = path.stat()
    except (storage.InvalidKey, OSError) as exc:
        raise NotFound("No such file.") from exc
    if not stat.S_ISREG(info.st_mode):
        raise NotFound("No such file.")
    headers = _HEADERS
    if download:
        first_byte = request.headers.get("range", "bytes=0-").startswith("bytes=0-")
        with session_scope() as session:
            if request.method == "GET" and first_byte:
                downloads.record_by_file(session, key)
        headers = {**_HEADERS, "Content-Disposition": f'attachment; filename="{path.name}"'}
    return FileResponse(
        path, media_type=storage.content_type_for(key), stat_result=info, headers=headers
    )
