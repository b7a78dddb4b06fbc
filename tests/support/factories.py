"""Small builders the data-layer tests share: funded users and the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from dataclasses import dataclass

import pytest

from v4a_portal import cli
from v4a_portal.db import session_scope
from v4a_portal.models import LedgerKind, User
from v4a_portal.services import ledger
from v4a_portal.settings import ROOT


def funded_user(credits: int = 0, email: str | None = None) -> int:
    """A user whose opening balance went through the ledger, so reconcile stays clean."""
    with session_scope() as session:
        user = User(email=email or f"u-{uuid.uuid4().hex[:10]}@test.example")
        session.add(user)
        session.flush()
        assert user.id is not None
        if credits:
            ledger.post(
                session,
                user_id=user.id,
                delta=credits,
                kind=LedgerKind.purchase,
                key=f"opening:{user.id}",
                reference="pack:test",
            )
        return user.id


def set_balance(user_id: int, credits: int) -> None:
    """Move a user's balance to `credits` through the ledger (a staff adjustment)."""
    with session_scope() as session:
        delta = credits - ledger.balance(session, user_id)
        if delta:
            ledger.post(
                session,
                user_id=user_id,
                delta=delta,
                kind=LedgerKind.staff_adjustment,
                key=f"test-balance:{user_id}:{credits}",
            )


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def call_cli(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """The CLI's `main` in-process: the same code as `python -m v4a_portal` minus
    the interpreter start, which costs seconds per call."""
    try:
        code = cli.main(list(args))
    except SystemExit as exc:  # argparse refusing the arguments
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return CliResult(code, out.out, out.err)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m v4a_portal ARGS` against the database the test points at.

    The child inherits the environment conftest set (DATABASE_URL, V4A_DATA_DIR,
    secret key, public URL), so it reads exactly the test's database and settings.
    """
    return subprocess.run(
        [sys.executable, "-m", "v4a_portal", *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
