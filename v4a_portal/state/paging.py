"""Server-side pagination shared by the list pages: page number, total, "x–y of N"."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

PER_PAGE = 20


class Paging(rx.State, mixin=True):
    """Mix into a page state that implements `_reload()` (which re-checks the session)."""

    page: int = 1
    total: int = 0
    loading: bool = True

    @rx.var
    def range_label(self) -> str:
        if not self.total:
            return "0 of 0"
        first = (self.page - 1) * PER_PAGE + 1
        last = min(self.page * PER_PAGE, self.total)
        return f"{first}–{last} of {self.total}"

    @rx.var
    def has_prev(self) -> bool:
        return self.page > 1

    @rx.var
    def has_next(self) -> bool:
        return self.page * PER_PAGE < self.total

    def _last_page(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @rx.event
    async def next_page(self):
        self.page = min(self.page + 1, self._last_page())
        self.loading = True
        yield
        yield await self._reload()

    @rx.event
    async def prev_page(self):
        self.page = max(self.page - 1, 1)
        self.loading = True
        yield
        yield await self._reload()

    async def _reload(self) -> EventSpec | None:
        """Fetch the current page; return a redirect when the user may no longer see it."""
        raise NotImplementedError
