"""The API docs are served by the portal itself and declare the bearer scheme."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_page_loads_swagger_ui_from_the_portal(api_client: TestClient) -> None:
    page = api_client.get("/api/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/api/docs") for s in sources), sources
    assert "<script>" not in page.text  # no inline script: the default CSP applies
    for source in sources:
        asset = api_client.get(source)
        assert asset.status_code == 200, source
    bundle = api_client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in bundle.headers["content-type"] and len(bundle.content) > 500_000


def test_the_schema_declares_bearer_auth(api_client: TestClient) -> None:
    spec = api_client.get("/api/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert [s for s in schemes.values() if s == {**s, "type": "http", "scheme": "bearer"}]
    me = spec["paths"]["/api/v1/me"]["get"]
    assert me.get("security") == [{name: []} for name in schemes]
    # Public routes ask for nothing.
    assert "security" not in spec["paths"]["/api/health"]["get"]
