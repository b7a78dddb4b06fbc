"""Run a blocking service call off the event loop and turn a refusal into words for the UI.

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
