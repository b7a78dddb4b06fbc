"""One page per module; importing this package registers them all with the app."""

from v4a_portal.pages import account, billing, console_users, index, library, signin, studio

__all__ = ["account", "billing", "console_users", "index", "library", "signin", "studio"]
