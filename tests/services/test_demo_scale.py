"""`seed-demo --scale N`: exactly N clips with their lineage, downloads, ad results, and a
ledger that reconciles."""

from __future__ import annotations

from sqlalchemy import func, select

from v4a_portal.db import session_scope
from v4a_portal.models import AdResult, GeneratedScript, Video, VideoDownload
from v4a_portal.services import demo_scale, ledger


def _count(model: type, *where: object) -> int:
    with session_scope() as session:
        stmt = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(session.execute(stmt).scalar_one())


def test_scale_seed(any_db: str) -> None:
    customers = demo_scale.seed(3000)
    assert customers > 20
    assert _count(Video) == 3000
    assert _count(GeneratedScript, GeneratedScript.parent_script_id.is_not(None)) > 0  # type: ignore[union-attr]
    statuses = {s: _count(Video, Video.status == s) for s in ("completed", "failed", "canceled")}
    assert statuses["completed"] > 2000 and statuses["failed"] > 50 and statuses["canceled"] > 0
    assert _count(VideoDownload) > 500 and _count(AdResult) > 0
    with session_scope() as session:
        assert ledger.reconcile(session) == []
    # Running it again adds as many again, with fresh ids.
    demo_scale.seed(500)
    assert _count(Video) == 3500
