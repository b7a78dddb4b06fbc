"""The page decorator: every signed-in page gets the same frame and the same on_load guard."""

from __future__ import annotations

import functools
from collections.abc import Callable

import reflex as rx
from reflex.event import EventHandler, EventType

from v4a_portal.components.header import header
from v4a_portal.state.auth import AuthState

FAVICON = "/favicon.svg"


def _notice() -> rx.Component:
    return rx.cond(
        AuthState.notice != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("info", size=16)),
            rx.callout.text(AuthState.notice),
            color_scheme="amber",
            variant="surface",
            role="status",
            id="page-notice",
            margin_bottom="20px",
        ),
    )


def frame(content: rx.Component) -> rx.Component:
    return rx.box(
        header(),
        rx.el.main(
            _notice(),
            content,
            max_width="1200px",
            margin_x="auto",
            padding_x="24px",
            padding_y="32px",
        ),
        min_height="100vh",
        background=rx.color("gray", 2),
    )


def template(
    route: str,
    title: str,
    *,
    permission: str = "",
    on_load: EventType[()] | None = None,  # handlers: EventHandler or a list of them
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a signed-in page: the guard (session, then `permission`) runs first on load,
    then the page's loaders in order.

    The page's own loaders must still re-check the session, as must each of its handlers:
    the guard only decides where the browser goes.
    """
    loaders = [on_load] if isinstance(on_load, EventHandler) else list(on_load or [])

    def decorator(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        # mypy types an @rx.event handler as EventNamespace, not as the EventCallback it is
        events = [AuthState.guard(permission), *loaders]  # type: ignore[operator]

        @rx.page(route=route, title=f"{title} · V4A Portal", image=FAVICON, on_load=events)
        @functools.wraps(content)
        def page() -> rx.Component:
            return frame(content())

        return page

    return decorator
