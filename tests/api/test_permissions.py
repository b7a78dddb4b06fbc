"""Who may call what: every staff route against every role, and the permission module."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, bearer, make_user
from v4a_portal.api.app import create_api
from v4a_portal.models import Role, User
from v4a_portal.services import permissions
from v4a_portal.services.errors import Forbidden

STAFF_PREFIX = "/api/v1/staff"


def _required(dependant: Dependant) -> Iterator[str]:
    """The permissions a route's dependency tree asks `deps.require` for."""
    for dep in dependant.dependencies:
        call = dep.call
        if getattr(call, "__qualname__", "") == "require.<locals>._check":
            yield inspect.getclosurevars(call).nonlocals["permission"]
        yield from _required(dep)


def staff_routes() -> list[tuple[str, str, str]]:
    """(method, path, permission) for every route under the staff prefix."""
    found = []
    # Included routers are resolved lazily; iter_route_contexts flattens them.
    for route in iter_route_contexts(create_api().routes):
        if isinstance(route.original_route, APIRoute) and route.path.startswith(STAFF_PREFIX):
            required = list(_required(route.dependant))
            assert len(required) == 1, f"{route.path} must ask the permission module once"
            found += [(method, route.path, required[0]) for method in sorted(route.methods)]
    return found


ROUTES = staff_routes()
KNOWN_READS = {("GET", "/api/v1/staff/users"), ("GET", "/api/v1/staff/users/{user_id}/credits")}


def test_enumeration_finds_the_known_staff_routes() -> None:
    assert {(m, p) for m, p, _ in ROUTES} >= KNOWN_READS


def call(
    client: TestClient, method: str, path: str, target: User, headers: dict[str, str]
) -> httpx.Response:
    url = re.sub(r"\{[^}]+\}", str(target.id), path)
    body = None if method in {"GET", "DELETE"} else {}
    return client.request(method, url, headers=headers, json=body)


def test_staff_routes_by_role(db_client: TestClient) -> None:
    target = make_user(Role.customer, "Target")
    people = {role: make_user(role, role.value) for role in Role}
    for method, path, permission in ROUTES:
        assert_error(call(db_client, method, path, target, {}), 401, "not_authenticated")
        for role, user in people.items():
            response = call(db_client, method, path, target, bearer(user))
            where = f"{role.value} {method} {path}"
            if role in permissions.MATRIX[permission]:
                # Let through; later routes may still say 404/422 for this target or body.
                assert response.status_code not in (401, 403), where
                assert response.status_code < 500, f"{where}: {response.text}"
                if (method, path) in KNOWN_READS:
                    assert response.status_code == 200, f"{where}: {response.text}"
            else:
                assert_error(response, 403, "forbidden")


def test_customer_is_refused_everywhere(api_client: TestClient) -> None:
    customer, target = make_user(Role.customer), make_user(Role.customer)
    for method, path, _ in ROUTES:
        assert_error(call(api_client, method, path, target, bearer(customer)), 403, "forbidden")


def test_session_cookie_carries_the_role_too(api_client: TestClient) -> None:
    # Staff in the browser reach the same checks through the session cookie.
    from v4a_portal.db import session_scope
    from v4a_portal.services.auth import web_sessions

    admin, customer = make_user(Role.admin), make_user(Role.customer)
    for user, status in ((admin, 200), (customer, 403)):
        with session_scope() as session:
            assert user.id is not None
            cookie = web_sessions.start(session, user.id)
        response = api_client.get(
            f"{STAFF_PREFIX}/users", headers={"Cookie": f"v4a_session={cookie}"}
        )
        assert response.status_code == status


def person(role: Role, disabled: bool = False) -> User:
    return User(id=1, email="p@example.com", role=role.value, disabled=disabled)


@pytest.mark.parametrize("role", list(Role))
def test_can_and_granted_follow_the_matrix(role: Role) -> None:
    expected = sorted(p for p, roles in permissions.MATRIX.items() if role in roles)
    assert permissions.granted(role) == permissions.granted(role.value) == expected
    for permission in permissions.MATRIX:
        assert permissions.can(person(role), permission) is (permission in expected)


def test_customers_hold_no_staff_permission() -> None:
    assert permissions.granted(Role.customer) == []


def test_admin_holds_everything() -> None:
    assert permissions.granted(Role.admin) == sorted(permissions.MATRIX)


def test_nobody_and_disabled_users_hold_nothing() -> None:
    assert not permissions.can(None, "users.view")
    assert not permissions.can(person(Role.admin, disabled=True), "users.view")
    with pytest.raises(Forbidden):
        permissions.require(None, "users.view")
    with pytest.raises(Forbidden):
        permissions.require(person(Role.admin, disabled=True), "users.view")


def test_require_returns_the_user_or_raises_forbidden() -> None:
    admin = person(Role.admin)
    assert permissions.require(admin, "audit.view") is admin
    with pytest.raises(Forbidden) as raised:
        permissions.require(person(Role.support), "audit.view")
    assert raised.value.status == 403 and raised.value.code == "forbidden"


def test_unknown_permission_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        permissions.can(person(Role.admin), "users.teleport")


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError):
        permissions.granted("overlord")


def test_role_is_read_from_the_database_not_the_token(api_client: TestClient) -> None:
    # A demoted admin's unexpired access token still says "admin"; the server must not care.
    from v4a_portal.db import session_scope
    from v4a_portal.services import accounts

    admin = make_user(Role.admin)
    headers = bearer(admin)
    assert api_client.get(f"{STAFF_PREFIX}/users", headers=headers).status_code == 200
    with session_scope() as session:
        accounts.set_role(session, admin.email, Role.customer)
    assert_error(api_client.get(f"{STAFF_PREFIX}/users", headers=headers), 403, "forbidden")
