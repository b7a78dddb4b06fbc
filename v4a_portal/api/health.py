"""Liveness of the parts the portal needs: database and Redis."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from v4a_portal.db import get_engine
from v4a_portal.services.redis_conn import get_redis

router = APIRouter(tags=["health"])


@router.get("/api/health", summary="Database and Redis status")
def health() -> JSONResponse:
    checks: dict[str, dict[str, object]] = {}
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = {"ok": True, "backend": get_engine().dialect.name}
    except Exception as exc:  # report, don't raise: this is the health page
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        get_redis().ping()
        checks["redis"] = {"ok": True}
    except Exception as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
    ok = all(c["ok"] for c in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "checks": checks}, 200 if ok else 503
    )
