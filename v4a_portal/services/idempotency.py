"""An idempotency key names one request: sent again with another body it is a conflict (as
Stripe answers), never a silent replay of the first request's result."""

from __future__ import annotations

from collections.abc import Sequence

from v4a_portal.models import Video
from v4a_portal.services import catalog
from v4a_portal.services.errors import Conflict


def require_same_clips(
    first: Sequence[Video],
    image_id: int,
    script_id: int | None,
    prompt: str,
    order: catalog.Order,
) -> None:
    """Raise Conflict unless `first` (the clips the key made) is what this request asks for.

    A request without a prompt takes its script's: the stored prompt of such a clip says
    nothing about the body, so only a prompt the body spells out is compared.
    """
    asked = (image_id, script_id, order.model.id, order.duration, order.size)
    same = len(first) == order.count and all(
        (v.image_id, v.script_id, v.model, v.duration, v.size) == asked
        and (not prompt or v.prompt == prompt)
        for v in first
    )
    if not same:
        raise Conflict(
            "This Idempotency-Key was already used for a different request; "
            "use a new key for a new request.",
            code="idempotency_conflict",
        )
