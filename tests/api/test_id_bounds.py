"""Every id the API reads is bounded like RowId, so no number reaches SQL out of range; a
JWT `sub` is an ASCII number in range."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, bearer, make_user
from tests.support.videos import photo
from v4a_portal.api.deps import MAX_ROW_ID
from v4a_portal.services.auth import api_tokens
from v4a_portal.services.signing_key import secret_key

HUGE = [2**63, -(2**63) - 1, 2**64, -(2**64)]


def _is_id(name: str) -> bool:
    return name == "id" or name.endswith("_id")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _integer_variants(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(spec, schema)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    found = [_resolve(spec, o) for o in options]
    return [o for o in found if o.get("type") == "integer"]


def _inputs(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(where, name, schema) of every parameter and request-body property."""
    out = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            for p in op.get("parameters", []):
                out.append((where, p["name"], p["schema"]))
            for media in op.get("requestBody", {}).get("content", {}).values():
                body = _resolve(spec, media["schema"])
                for name, prop in body.get("properties", {}).items():
                    out.append((where, name, prop))
    return out


def test_every_integer_id_in_the_schema_is_bounded(api_client: TestClient) -> None:
    spec = api_client.get("/api/openapi.json").json()
    checked, unbounded = 0, []
    for where, name, schema in _inputs(spec):
        if not _is_id(name):
            continue
        for variant in _integer_variants(spec, schema):
            checked += 1
            if variant.get("minimum") != 1 or variant.get("maximum") != MAX_ROW_ID:
                unbounded.append(f"{where} {name}")
    assert not unbounded, unbounded
    assert checked >= 12  # the walk found the ids (paths, queries and bodies)


@pytest.mark.parametrize("value", HUGE)
def test_huge_image_ids_are_422_not_500(api_client: TestClient, value: int) -> None:
    user = make_user()
    body = {"image_id": value, "product": "Mug"}
    made = api_client.post("/api/v1/ai/generate-script", headers=bearer(user), json=body)
    assert_error(made, 422, "invalid_input")
    listed = api_client.get("/api/v1/scripts", headers=bearer(user), params={"image_id": value})
    assert_error(listed, 422, "invalid_input")


def test_ids_in_range_still_work(api_client: TestClient) -> None:
    user = make_user()
    assert user.id is not None
    image = photo(user.id)
    listed = api_client.get("/api/v1/scripts", headers=bearer(user), params={"image_id": image})
    assert listed.status_code == 200 and listed.json()["total"] == 0


def _token_for(sub: str) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": sub,
        "aud": api_tokens.AUDIENCE,
        "iss": "http://testserver",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "fam": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret_key(), algorithm="HS256")


def _arabic_indic(number: int) -> str:
    return "".join(chr(0x0660 + int(d)) for d in str(number))


@pytest.mark.parametrize(
    "sub",
    ["99999999999999999999999", str(2**31), "0", "-1", "+1", " 1", "1 ", "01", "arabic"],
)
def test_a_sub_that_is_not_a_plain_user_id_is_refused(api_client: TestClient, sub: str) -> None:
    user = make_user()
    assert user.id is not None
    if sub == "arabic":
        sub = _arabic_indic(user.id)  # int() reads "٣" as 3
    response = api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {_token_for(sub)}"})
    assert_error(response, 401, "invalid_token")
    control = _token_for(str(user.id))
    assert (
        api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {control}"}).json()["id"]
        == user.id
    )
