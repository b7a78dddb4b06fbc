"""The operator CLI against the test database: `user token` as a real subprocess
(`python -m v4a_portal` end to end), the rest through `cli.main` in-process."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.factories import call_cli, run_cli
from v4a_portal.db import session_scope
from v4a_portal.models import AuditLog, CreditLedger, RefreshToken, Role, User
from v4a_portal.services import accounts, ledger, tokens
from v4a_portal.services.accounts import Identity
from v4a_portal.services.sessions import hash_token


def test_user_token_prints_tokens_the_api_accepts(any_db: str) -> None:
    user = accounts.sign_in(Identity("cli-1", "maya@example.com", "Maya"))
    done = run_cli("user", "token", "Maya@Example.com")
    assert done.returncode == 0, done.stderr
    pair = json.loads(done.stdout)
    with session_scope() as session:
        assert tokens.user_from_access(session, pair["access_token"]).id == user.id
        stored = session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == hash_token(pair["refresh_token"]))
        ).scalar_one()
        assert stored.user_id == user.id
    assert pair["token_type"] == "bearer" and pair["expires_in"] > 0


def test_user_token_for_an_unknown_email_fails_clearly(
    sqlite_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    done = call_cli(capsys, "user", "token", "ghost@example.com")
    assert done.returncode != 0
    assert done.stdout == ""
    assert "No user with email ghost@example.com" in done.stderr


def test_set_role(any_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    user = accounts.sign_in(Identity("cli-2", "sam@example.com"))
    done = call_cli(capsys, "user", "set-role", "sam@example.com", "support")
    assert done.returncode == 0, done.stderr
    assert "sam@example.com is now support" in done.stdout
    with session_scope() as session:
        assert accounts.get(session, user.id or 0).role == "support"
        audit = session.execute(select(AuditLog.action, AuditLog.target_id)).all()
        assert [tuple(a) for a in audit] == [("users.set_role", str(user.id))]

    refused = call_cli(capsys, "user", "set-role", "sam@example.com", "overlord")
    assert refused.returncode != 0 and "invalid choice" in refused.stderr
    missing = call_cli(capsys, "user", "set-role", "nobody@example.com", "admin")
    assert missing.returncode != 0 and "No user with email" in missing.stderr


def _counts() -> tuple[int, int]:
    with session_scope() as session:
        users = session.execute(select(func.count()).select_from(User)).scalar_one()
        entries = session.execute(select(func.count()).select_from(CreditLedger)).scalar_one()
    return users, entries


def test_seed_demo_fills_an_empty_database_once(
    any_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    first = call_cli(capsys, "seed-demo")
    assert first.returncode == 0, first.stderr
    users, entries = _counts()
    assert f"{users} users created" in first.stdout
    assert entries > users  # a history, not just the signup bonuses
    with session_scope() as session:
        roles = set(session.execute(select(User.role)).scalars())
        assert roles == {r.value for r in Role}
        assert ledger.reconcile(session) == []

    again = call_cli(capsys, "seed-demo")
    assert again.returncode == 0, again.stderr
    assert "already present" in again.stdout
    assert _counts() == (users, entries)
