"""One file field from a multipart body, with the size cap enforced while the body streams.

FastAPI's `UploadFile` parameters read the whole body before the route runs; here a body
that announces (Content-Length) or turns out (counted bytes) to be over the cap is refused
with 413 as soon as that is known. File data spools to disk past 1 MB.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from v4a_portal.services.errors import InvalidInput, TooLarge, UnsupportedMedia

FRAMING_ALLOWANCE = 64 * 1024  # boundaries, part headers and a few small fields


async def read_file_field(request: Request, field: str, max_bytes: int) -> UploadFile:
    """The uploaded file in `field`; raises TooLarge, UnsupportedMedia or InvalidInput."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise UnsupportedMedia(
            f"Send the file as multipart/form-data in the field '{field}'.",
            code="multipart_required",
        )
    cap = max_bytes + FRAMING_ALLOWANCE
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large(max_bytes)
    parser = MultiPartParser(
        request.headers, _capped(request.stream(), cap, max_bytes), max_files=1, max_fields=10
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidInput(exc.message, code="invalid_multipart") from exc
    upload = form.get(field)
    if not isinstance(upload, UploadFile):
        await form.close()
        raise InvalidInput(f"{field}: a file is required.", code="file_required")
    return upload


async def _capped(
    stream: AsyncIterator[bytes], cap: int, max_bytes: int
) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > cap:
            raise _too_large(max_bytes)
        yield chunk


def _too_large(max_bytes: int) -> TooLarge:
    return TooLarge(
        f"The file is larger than {max_bytes // (1024 * 1024)} MB.", code="file_too_large"
    )
