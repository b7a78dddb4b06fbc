"""REST conventions: one error shape everywhere, docs, and the /me contract."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, bearer, make_user
from v4a_portal.api.app import create_api
from v4a_portal.models import Role

HUGE = "99999999999999999999"


def test_unknown_route_is_json_404(api_client: TestClient) -> None:
    assert_error(api_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_json_405(api_client: TestClient) -> None:
    response = api_client.delete("/api/v1/me")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_validation_error_names_the_field(api_client: TestClient) -> None:
    error = assert_error(api_client.post("/api/v1/auth/refresh", json={}), 422, "invalid_input")
    assert error["details"][0]["field"] == "refresh_token"
    assert error["message"].startswith("refresh_token: ")


def test_malformed_json_is_a_validation_error(api_client: TestClient) -> None:
    response = api_client.post(
        "/api/v1/auth/refresh", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert_error(response, 422, "invalid_input")


OUT_OF_RANGE = [
    f"/api/v1/me/credits?page={HUGE}",
    "/api/v1/me/credits?per_page=1000",
    "/api/v1/me/credits?page=0",
    f"/api/v1/staff/users?page={HUGE}",
    f"/api/v1/staff/users/{HUGE}/credits",
    "/api/v1/staff/users?order=sideways",
]


def test_out_of_range_numbers_are_422_not_500(db_client: TestClient) -> None:
    # Huge numbers used to reach SQL and overflow its integer columns.
    headers = bearer(make_user(Role.admin))
    for path in OUT_OF_RANGE:
        error = assert_error(db_client.get(path, headers=headers), 422)
        assert error["details"][0]["field"].startswith(("query.", "path.")), path


def test_service_validation_is_422_too(api_client: TestClient) -> None:
    response = api_client.get("/api/v1/staff/users?sort=bogus", headers=bearer(make_user("admin")))
    assert_error(response, 422, "invalid_input")


def test_unauthenticated_is_json_401(api_client: TestClient) -> None:
    response = api_client.get("/api/v1/me")
    assert_error(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_forbidden_is_json_403(api_client: TestClient) -> None:
    response = api_client.get("/api/v1/staff/users", headers=bearer(make_user()))
    assert_error(response, 403, "forbidden")


def test_missing_staff_target_is_json_404(api_client: TestClient) -> None:
    response = api_client.get(
        "/api/v1/staff/users/424242/credits", headers=bearer(make_user("admin"))
    )
    assert_error(response, 404, "not_found")


def test_unexpected_errors_are_json_500(sqlite_db: str) -> None:
    api = create_api()

    @api.get("/api/v1/test-crash")
    def crash() -> None:
        raise RuntimeError("boom")

    with TestClient(api, raise_server_exceptions=False) as client:
        error = assert_error(client.get("/api/v1/test-crash"), 500, "internal_error")
    assert "boom" not in error["message"]  # no internals leak to clients


def test_docs_and_openapi(api_client: TestClient) -> None:
    docs = api_client.get("/api/docs")
    assert docs.status_code == 200 and "/api/openapi.json" in docs.text
    spec = api_client.get("/api/openapi.json").json()
    expected = {
        "/api/v1/auth/google/login": "get",
        "/api/v1/auth/google/callback": "get",
        "/api/v1/auth/google": "post",
        "/api/v1/auth/refresh": "post",
        "/api/v1/auth/logout": "post",
        "/api/v1/me": "get",
        "/api/v1/me/credits": "get",
        "/api/v1/staff/users": "get",
        "/api/v1/staff/users/{user_id}/credits": "get",
        "/api/health": "get",
    }
    for path, method in expected.items():
        assert method in spec["paths"].get(path, {}), path


def test_docs_routes_stay_under_api() -> None:
    # Paths like /docs belong to the Reflex pages the API is mounted beside.
    from fastapi.routing import iter_route_contexts

    paths = {r.path for r in iter_route_contexts(create_api().routes)}
    assert {"/api/docs", "/api/docs/assets", "/api/openapi.json"} <= paths
    assert not [p for p in paths if p.startswith(("/docs", "/redoc", "/openapi"))]


def test_me_fields(api_client: TestClient) -> None:
    user = make_user(Role.customer, "Mia")
    body = api_client.get("/api/v1/me", headers=bearer(user)).json()
    assert {
        "id",
        "email",
        "name",
        "picture",
        "credits",
        "role",
        "is_subscriber",
        "subscription_plan",
        "subscription_status",
        "subscription_expires_at",
    } <= set(body)
    assert (body["id"], body["name"], body["credits"], body["role"]) == (
        user.id,
        "Mia",
        50,
        "customer",
    )
    assert body["is_subscriber"] is False
    assert "oidc_subject" not in body and "disabled" not in body  # internals stay inside
