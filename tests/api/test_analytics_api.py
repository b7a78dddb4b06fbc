"""GET /api/v1/analytics/*: who may read them, JSON and CSV, filters as query parameters;
POST /api/v1/analytics/ad-results; a finished clip's download is counted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests import analytics_data as data
from tests.api.conftest import assert_error, bearer, make_user
from tests.support import samples
from v4a_portal.db import session_scope
from v4a_portal.models import Role, VideoDownload
from v4a_portal.services import storage

REPORTS = ["overview", "lineage", "scripts", "funnel", "providers"]
MARCH = "window=custom&start=2026-03-01&end=2026-03-31"


@pytest.mark.parametrize("report", REPORTS)
def test_analysts_and_admins_read_support_and_customers_do_not(
    api_client: TestClient, report: str
) -> None:
    path = f"/api/v1/analytics/{report}"
    for role in (Role.analyst, Role.admin):
        response = api_client.get(path, headers=bearer(make_user(role)))
        assert response.status_code == 200, response.text
    for role in (Role.support, Role.customer):
        assert_error(api_client.get(path, headers=bearer(make_user(role))), 403, "forbidden")
    assert_error(api_client.get(path), 401)


def test_import_is_for_analysts_and_admins(api_client: TestClient) -> None:
    body = "video_id,date,impressions,clicks,conversions,spend\n"
    headers = {"Content-Type": "text/csv"}
    for role in (Role.support, Role.customer):
        response = api_client.post(
            "/api/v1/analytics/ad-results", content=body, headers=headers | bearer(make_user(role))
        )
        assert_error(response, 403, "forbidden")
    for role in (Role.analyst, Role.admin):
        response = api_client.post(
            "/api/v1/analytics/ad-results", content=body, headers=headers | bearer(make_user(role))
        )
        assert response.status_code == 200, response.text


def test_reports_follow_the_query(db_client: TestClient) -> None:
    data.build()
    headers = bearer(make_user(Role.analyst))
    body = db_client.get(f"/api/v1/analytics/overview?{MARCH}", headers=headers).json()
    figures = {f["figure"]: f["value"] for f in body["figures"]}
    assert (figures["clips_requested"], figures["p90_seconds_to_clip"]) == (5, 168.0)
    body = db_client.get(f"/api/v1/analytics/overview?{MARCH}&tone=serious", headers=headers)
    assert {f["figure"]: f["value"] for f in body.json()["figures"]}["clips_requested"] == 3
    groups = db_client.get(f"/api/v1/analytics/scripts?{MARCH}&by=tone", headers=headers).json()
    assert {g["tone"]: g["ctr"] for g in groups["groups"]} == {"playful": 0.04, "serious": 0.02}
    funnel = db_client.get(f"/api/v1/analytics/funnel?{MARCH}", headers=headers).json()
    assert funnel["totals"]["downloaded"] == 1
    tree = db_client.get(
        f"/api/v1/analytics/lineage?{MARCH}&email=u1@test.example", headers=headers
    ).json()["tree"]
    assert tree["customer"]["email"] == "u1@test.example" and tree["photos_total"] == 2


def test_csv(api_client: TestClient) -> None:
    data.build()
    headers = bearer(make_user(Role.analyst))
    response = api_client.get(f"/api/v1/analytics/providers?{MARCH}&format=csv", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "analytics-providers.csv" in response.headers["content-disposition"]
    lines = response.text.splitlines()
    assert lines[0].startswith("provider,model,clips,completed,failed")
    assert lines[1].startswith("veo,veo-3.1-fast,3,2,0,1,1.0")
    funnel = api_client.get(f"/api/v1/analytics/funnel?{MARCH}&format=csv", headers=headers)
    assert funnel.text.splitlines()[1] == "2026-03-02,2,2,2,2,2,1"


@pytest.mark.parametrize(
    "query",
    ["window=12d", "window=custom&start=2026-03-05&end=2026-03-01", "subscriber=maybe",
     "format=xml", "by=colour"],
)  # fmt: skip
def test_nonsense_queries_are_422(api_client: TestClient, query: str) -> None:
    headers = bearer(make_user(Role.analyst))
    path = "/api/v1/analytics/scripts" if query.startswith("by") else "/api/v1/analytics/overview"
    assert_error(api_client.get(f"{path}?{query}", headers=headers), 422)


def test_drilldown_to_nobody_is_404(api_client: TestClient) -> None:
    headers = bearer(make_user(Role.analyst))
    response = api_client.get("/api/v1/analytics/lineage?photo_id=424242", headers=headers)
    assert_error(response, 404, "not_found")


def test_import_over_http(db_client: TestClient) -> None:
    built = data.build()
    headers = bearer(make_user(Role.analyst))
    text = (
        "video_id,date,impressions,clicks,conversions,spend\n"
        f"{built.clips['v5']},2026-03-12,900,45,4,12.50\n"
        "424242,2026-03-12,1,1,1,1\n"
    )
    response = db_client.post(
        "/api/v1/analytics/ad-results",
        files={"file": ("results.csv", text.encode(), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "inserted": 1,
        "updated": 0,
        "unchanged": 0,
        "refused": [{"row": 3, "errors": ["no clip #424242"]}],
    }
    again = db_client.post(
        "/api/v1/analytics/ad-results",
        content=text,
        headers=headers | {"Content-Type": "text/csv"},
    ).json()
    assert (again["inserted"], again["unchanged"]) == (0, 1)
    bad = db_client.post(
        "/api/v1/analytics/ad-results",
        content=b"video_id,date\n",
        headers=headers | {"Content-Type": "text/csv"},
    )
    assert_error(bad, 422, "invalid_csv")


@pytest.fixture
def clip_file(
    api_client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[data.Lineage]:
    with samples.fresh_media_dir(monkeypatch, tmp_path):
        built = data.build()
        storage.local_storage().put_bytes("videos/v1.mp4", b"\0" * 1024, "video/mp4")
        storage.local_storage().put_bytes("videos/v2.mp4", b"\0" * 1024, "video/mp4")
        yield built


def _downloads() -> list[int]:
    with session_scope() as session:
        return list(session.execute(select(VideoDownload.video_id)).scalars())


def test_a_finished_clips_download_is_counted_once(
    api_client: TestClient, clip_file: data.Lineage
) -> None:
    v1 = clip_file.clips["v1"]
    before = _downloads().count(v1)
    # Watching (range requests of the player) is not downloading.
    api_client.get("/media/videos/v1.mp4", headers={"Range": "bytes=0-99"})
    api_client.get("/media/videos/v1.mp4")
    assert _downloads().count(v1) == before
    response = api_client.get("/media/videos/v1.mp4?download=1")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    # The rest of the same download, resumed, is not a second one.
    api_client.get("/media/videos/v1.mp4?download=1", headers={"Range": "bytes=512-"})
    api_client.head("/media/videos/v1.mp4?download=1")
    assert _downloads().count(v1) == before + 1
    # A failed clip's file is not a kept clip.
    api_client.get("/media/videos/v2.mp4?download=1")
    assert clip_file.clips["v2"] not in _downloads()
