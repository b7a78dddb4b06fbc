"""Analytics over REST: the console's reports as JSON or CSV, and the ad-results import.

Every report takes the filter bar's parameters; the rules live in services/analytics.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from v4a_portal.api.deps import DbSession, require
from v4a_portal.api.multipart import read_file_field
from v4a_portal.db import session_scope
from v4a_portal.models import User
from v4a_portal.services.analytics import ad_results, effectiveness, lineage, reports
from v4a_portal.services.analytics.export import to_csv
from v4a_portal.services.analytics.filters import Filters
from v4a_portal.services.errors import InvalidInput, TooLarge

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

Analyst = Annotated[User, Depends(require("analytics.view"))]
Importer = Annotated[User, Depends(require("analytics.import"))]
Format = Annotated[Literal["json", "csv"], Query(description="json, or csv of the main table")]
MAX_IMPORT_BYTES = 10 * 1024 * 1024
_Text = Annotated[str, Query(max_length=200)]


def filters(
    window: str = Query("30d", description="7d, 30d, 90d, 365d or custom (with start and end)"),
    start: str = Query("", description="first day of a custom window, 2026-01-31"),
    end: str = Query("", description="last day of a custom window (included)"),
    model: _Text = "",
    provider: _Text = "",
    writer: _Text = "",
    tone: _Text = "",
    audience: _Text = "",
    subscriber: str = Query("", description="yes, no, or empty for everyone"),
) -> Filters:
    params = {
        "window": window,
        "start": start,
        "end": end,
        "model": model,
        "provider": provider,
        "writer": writer,
        "tone": tone,
        "audience": audience,
        "subscriber": subscriber,
    }
    return Filters.from_query(params)


Filtered = Annotated[Filters, Depends(filters)]


def _answer(name: str, report: dict[str, Any], fmt: str) -> Any:
    if fmt == "csv":
        return Response(
            to_csv(report["table"]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="analytics-{name}.csv"'},
        )
    return report


@router.get("/overview", summary="Headline figures against the previous window, daily series")
def overview(user: Analyst, session: DbSession, f: Filtered, format: Format = "json") -> Any:
    return _answer("overview", reports.run(session, user, "overview", f), format)


@router.get("/lineage", summary="Photos → scripts → clips flows; one customer's or photo's tree")
def lineage_report(
    user: Analyst,
    session: DbSession,
    f: Filtered,
    format: Format = "json",
    user_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    email: _Text = "",
    photo_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Any:
    report = reports.run(session, user, "lineage", f)
    if user_id or email or photo_id:
        report["tree"] = lineage.tree(session, user_id=user_id, email=email, photo_id=photo_id)
    return _answer("lineage", report, format)


@router.get("/scripts", summary="Script effectiveness grouped by one attribute")
def scripts(
    user: Analyst,
    session: DbSession,
    f: Filtered,
    format: Format = "json",
    by: Annotated[str, Query(description=", ".join(effectiveness.GROUPINGS))] = "tone",
) -> Any:
    return _answer("scripts", reports.run(session, user, "scripts", f, by=by), format)


@router.get("/funnel", summary="Sign-up cohorts by week through to a downloaded clip")
def funnel(user: Analyst, session: DbSession, f: Filtered, format: Format = "json") -> Any:
    return _answer("funnel", reports.run(session, user, "funnel", f), format)


@router.get("/providers", summary="Success, latency, attempts and cost per provider and model")
def providers(user: Analyst, session: DbSession, f: Filtered, format: Format = "json") -> Any:
    return _answer("providers", reports.run(session, user, "providers", f), format)


@router.post(
    "/ad-results",
    summary="Import ad results (CSV: video_id, date, impressions, clicks, conversions, spend)",
    description="The body is the CSV itself (text/csv) or a multipart form with the field "
    "'file'. Rows are checked one by one; the refused ones come back with their reasons. "
    "Results are stored once per (video, date): importing a file again changes nothing.",
)
async def import_ad_results(user: Importer, request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/form-data"):
        upload = await read_file_field(request, "file", MAX_IMPORT_BYTES)
        try:
            body = await upload.read()
        finally:
            await upload.close()
    else:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_IMPORT_BYTES:
                raise TooLarge("The file is larger than 10 MB.", code="file_too_large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.", code="invalid_csv") from None
    return await run_in_threadpool(_import, user, text)


def _import(user: User, text: str) -> dict[str, Any]:
    with session_scope() as session:
        return ad_results.import_csv(session, user, text).as_dict()
