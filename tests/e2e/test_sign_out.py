"""Signing out ends the session on the server and in the browser."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Portal, sign_in

pytestmark = pytest.mark.e2e


def test_sign_out_ends_the_session(page: Page, portal: Portal) -> None:
    email = f"leaving.{uuid.uuid4().hex[:8]}@example.com"
    sign_in(page, portal, email, name="Lee Leaving")
    expect(page.locator("#header-user-name")).to_have_text("Lee Leaving")

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/signin/?$"))
    assert not [c for c in page.context.cookies() if c["name"] == "v4a_session"]
    (active,) = portal.query(
        "SELECT COUNT(*) FROM web_sessions s JOIN users u ON u.id = s.user_id "
        "WHERE u.email = ? AND s.revoked_at IS NULL",
        email,
    )
    assert active == (0,)

    page.goto(portal.url + "/account")
    expect(page).to_have_url(re.compile(r"/signin/?\?next=%2Faccount"))
    expect(page.get_by_text("Lee Leaving")).to_have_count(0)
