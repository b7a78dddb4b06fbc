"""Access tokens signed with the key that used to be printed in settings.py are refused."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient

from tests.api.conftest import assert_error, make_user, settings_env
from v4a_portal.services.auth import api_tokens

OLD_DEFAULT = "dev-secret-change-me-0123456789abcdef"


def test_a_token_signed_with_the_old_default_key_is_refused(api_client: TestClient) -> None:
    admin = make_user("admin", "Ada")
    now = datetime.now(UTC)
    forged = {
        "sub": str(admin.id),
        "role": "admin",
        "aud": api_tokens.AUDIENCE,
        "iss": "http://testserver",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        "fam": uuid.uuid4().hex,
    }
    # No key configured: the state a fresh install runs in.
    with settings_env(V4A_SECRET_KEY=""):
        real, _ = api_tokens.access_token(admin)
        ok = api_client.get("/api/v1/me", headers={"Authorization": f"Bearer {real}"})
        assert ok.status_code == 200  # the install's own key signs and verifies
        token = jwt.encode(forged, OLD_DEFAULT, algorithm="HS256")
        response = api_client.get(
            "/api/v1/staff/users", headers={"Authorization": f"Bearer {token}"}
        )
        assert_error(response, 401, "invalid_token")
