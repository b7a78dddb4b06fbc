"""One page per module; importing this package registers them all with the app."""

from v4a_portal.pages import (
    account,
    billing,
    console_audit,
    console_clips,
    console_overview,
    console_queues,
    console_user,
    console_users,
    index,
    library,
    not_found,
    signin,
    studio,
)

__all__ = [
    "account",
    "billing",
    "console_audit",
    "console_clips",
    "console_overview",
    "console_queues",
    "console_user",
    "console_users",
    "index",
    "library",
    "not_found",
    "signin",
    "studio",
]
