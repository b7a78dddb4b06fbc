"""What a page shows, put in the address bar without a navigation: a reload, a bookmark or
a reconnect (the page's loader runs again, on whichever web process) shows it again."""

from __future__ import annotations

import json

import reflex as rx
from reflex.event import EventSpec

# Reflex reads the live query string into the next event's router data. Only while the page
# is still shown: the user may have moved on before the script runs.
_SHOW_IN_URL_JS = (
    "(url => {{ if (window.location.pathname.replace(/\\/$/, '') === {page}) "
    "window.history.replaceState(window.history.state, '', url); }})({url})"
)


def show_in_url(page: str, url: str) -> EventSpec:
    """Replace the address of `page` (a route path) by `url`, if the tab still shows it."""
    return rx.call_script(_SHOW_IN_URL_JS.format(page=json.dumps(page), url=json.dumps(url)))
