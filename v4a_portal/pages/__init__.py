"""One page per module; importing this package registers them all with the app."""

from v4a_portal.pages import (
    account,
    analytics_funnel,
    analytics_lineage,
    analytics_overview,
    analytics_providers,
    analytics_scripts,
    console_users,
    index,
    library,
    signin,
    studio,
)

__all__ = [
    "account",
    "analytics_funnel",
    "analytics_lineage",
    "analytics_overview",
    "analytics_providers",
    "analytics_scripts",
    "console_users",
    "index",
    "library",
    "signin",
    "studio",
]
