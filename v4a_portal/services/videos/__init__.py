"""Videos, the ads customers order. `orders` (request, cancel) and `reads` are the customer's
side, re-exported here; `transitions` (the row's states), `rq_jobs` (queueing),
`generations` (the provider's side), `events` (progress messages), `sweep` (maintenance) and
`files` (MP4 checks, thumbnails) are the RQ job's and the worker's."""

from v4a_portal.services.videos.orders import MAX_PROMPT, Canceled, Requested, cancel, request
from v4a_portal.services.videos.reads import created_after, for_scripts, get_owned, list_for

__all__ = [
    "MAX_PROMPT",
    "Canceled",
    "Requested",
    "cancel",
    "created_after",
    "for_scripts",
    "get_owned",
    "list_for",
    "request",
]
