"""The analytics reports by name, as the API and the pages ask for them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from v4a_portal.models import User
from v4a_portal.services import permissions
from v4a_portal.services.analytics import snapshots
from v4a_portal.services.analytics.filters import Filters

REPORTS = snapshots.REPORTS


def run(
    session: Session, actor: User | None, name: str, f: Filters, **options: Any
) -> dict[str, Any]:
    """The report `name` for `f`, if `actor` may see analytics: the precomputed one while it
    is fresh (standard windows, no filters), else live. `computed_at` says which moment it
    shows and `source` how it was made."""
    permissions.require(actor, "analytics.view")
    stored = snapshots.fresh(session, name, f, **options)
    if stored is not None:
        return stored | {"source": "snapshot"}
    report = snapshots.compute(session, name, f, **options)
    return report | {"computed_at": report["generated_at"], "source": "live"}
