"""One page per module; importing this package registers them all with the app."""

from v4a_portal.pages import account, console_users, index, library, signin, studio

__all__ = ["account", "console_users", "index", "library", "signin", "studio"]
