"""One page per module; importing this package registers them all with the app."""

from v4a_portal.pages import account, console_users, index, library, signin, studio
from v4a_portal.pages.analytics_overview import analytics_overview

__all__ = ["account", "analytics_overview", "console_users", "index", "library", "signin", "studio"]
