"""The analytics reports by name, as the API and the pages ask for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from v4a_portal.models import User
from v4a_portal.services import permissions
from v4a_portal.services.analytics import effectiveness, funnel, lineage, overview, providers
from v4a_portal.services.analytics.filters import Filters

REPORTS: dict[str, Callable[..., dict[str, Any]]] = {
    "overview": overview.report,
    "lineage": lineage.report,
    "scripts": effectiveness.report,
    "funnel": funnel.report,
    "providers": providers.report,
}


def run(
    session: Session, actor: User | None, name: str, f: Filters, **options: Any
) -> dict[str, Any]:
    """The report `name` for `f`, if `actor` may see analytics."""
    permissions.require(actor, "analytics.view")
    return REPORTS[name](session, f, **options)
