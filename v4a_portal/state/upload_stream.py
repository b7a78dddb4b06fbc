"""Reading the one file of a Reflex streaming upload (rx.upload_files_chunk) into a private
file, with the size cap enforced on the server while the bytes arrive."""

from __future__ import annotations

from typing import IO

import reflex as rx

from v4a_portal.services.errors import InvalidInput, TooLarge
from v4a_portal.state import messages


async def receive_one(
    first: rx.UploadChunk, rest: rx.UploadChunkIterator, into: IO[bytes], limit: int
) -> tuple[str, str]:
    """Copy the one uploaded file into `into`: (file name, declared type).

    The drop zone's size limit is only the browser's; this one stops reading the request as
    soon as it is passed, so an oversized body is never stored whole.
    """
    name, declared, size = first.filename, first.content_type, 0
    chunk: rx.UploadChunk | None = first
    while chunk is not None:
        if chunk.filename != name or chunk.offset != size:  # a second file part
            raise InvalidInput(messages.ONE_PHOTO)
        size += len(chunk.data)
        if size > limit:
            raise TooLarge(f"The photo is larger than {limit // (1024 * 1024)} MB.")
        into.write(chunk.data)
        chunk = await anext(rest, None)
    return name, declared
