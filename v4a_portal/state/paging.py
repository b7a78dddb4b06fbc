"""Server-side pagination shared by the list pages: page number, total, "x–y of N"."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

PER_PAGE = 20


def range_label(page: int, total: int, capped: bool = False) -> str:
    """ "21–40 of 1,234", or "of 10,000+" when the count stopped early."""
    if not total:
        return "0 of 0"
    first = (page - 1) * PER_PAGE + 1
    last = min(page * PER_PAGE, total)
    return f"{first:,}–{last:,} of {total:,}{'+' if capped else ''}"


class Paging(rx.State, mixin=True):
    """Mix into a page state that implements `_reload()` (which re-checks the session)."""

    page: int = 1
    total: int = 0
    total_capped: bool = False  # counting stopped early: at least `total` match
    loading: bool = True

    @rx.var
    def range_label(self) -> str:
        return range_label(self.page, self.total, self.total_capped)

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
