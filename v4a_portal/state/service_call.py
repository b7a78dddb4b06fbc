"""How handlers call services: ids from the browser checked, blocking calls off the event
loop, a refusal turned into words.

Every Studio and Library handler goes through `call`, so a DomainError becomes the same
message everywhere (messages.error_text) and an unexpected error is logged, never shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from v4a_portal.services.errors import DomainError
from v4a_portal.state import messages

T = TypeVar("T")
logger = logging.getLogger(__name__)


async def call(
    fn: Callable[..., T], *args: Any, unexpected: str = messages.UNEXPECTED_ERROR
) -> tuple[T | None, str]:
    """(result, "") on success, (None, message to show) when the service said no or broke."""
    try:
        return await asyncio.to_thread(fn, *args), ""
    except DomainError as error:
        return None, messages.error_text(error)
    except Exception:
        logger.exception("%s failed", getattr(fn, "__name__", fn))
        return None, unexpected


def row_id(value: object) -> int:
    """A database id the browser sent, or 0 when it is not one (the ids are signed 64-bit)."""
    try:
        number = int(str(value))
    except ValueError:
        return 0
    return number if 0 < number < 2**63 else 0
