"""Staff account actions: disable and enable (at once, everywhere), sign out everywhere, role
changes with the last-admin rule, and the command line's set-role through the same service."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session

from tests.services.console.staff import audit_rows, ctx, paid_video, staff
from tests.support.factories import call_cli
from tests.support.videos import video
from v4a_portal.db import session_scope
from v4a_portal.models import Role, User
from v4a_portal.services.auth import api_tokens, web_sessions
from v4a_portal.services.console import staff_accounts
from v4a_portal.services.errors import Conflict, Forbidden, Unauthorized


def _signed_in(user_id: int) -> tuple[str, api_tokens.TokenPair]:
    """A browser session cookie and an API token pair."""
    with session_scope() as session:
        cookie = web_sessions.start(session, user_id)
        user = session.get(User, user_id)
        assert user is not None
        pair = api_tokens.issue(session, user)
    return cookie, pair


def _cookie_user(cookie: str) -> User | None:
    with session_scope() as session:
        return web_sessions.user_for(session, cookie)


def _access_user(token: str) -> User:
    with session_scope() as session:
        return api_tokens.user_from_access(session, token)


def _rotate(refresh: str) -> api_tokens.TokenPair:
    with session_scope() as session:
        return api_tokens.rotate(session, refresh)


def test_disable_takes_effect_at_once_everywhere_and_enable_restores(any_db: str) -> None:
    customer = staff(Role.customer, credits=10)
    assert customer.id is not None
    running = paid_video(customer.id, "processing")
    cookie, pair = _signed_in(customer.id)
    assert _cookie_user(cookie) is not None and _access_user(pair.access_token).id == customer.id

    admin = ctx(Role.admin)
    done = staff_accounts.disable(admin, customer.id, "fraud report")

    assert done.disabled and (done.sessions_ended, done.tokens_revoked) == (1, 1)
    assert _cookie_user(cookie) is None
    with pytest.raises(Unauthorized):
        _access_user(pair.access_token)
    with pytest.raises(Unauthorized):
        _rotate(pair.refresh_token)
    assert video(running).status == "processing"  # it finishes normally
    [row] = audit_rows()
    assert (row.action, row.target_user_id, row.reason) == (
        "users.disable",
        customer.id,
        "fraud report",
    )
    assert json.loads(row.before or "") == {"disabled": False}
    assert json.loads(row.after or "")["disabled"] is True

    staff_accounts.enable(admin, customer.id, "cleared")
    # Enabled again, but the old sessions stay ended: sign in afresh.
    assert _cookie_user(cookie) is None
    fresh, fresh_pair = _signed_in(customer.id)
    assert _cookie_user(fresh) is not None and _access_user(fresh_pair.access_token)
    with pytest.raises(Conflict):
        staff_accounts.enable(admin, customer.id, "again")
    assert [r.action for r in audit_rows()] == ["users.disable", "users.enable"]


def test_sign_out_everywhere(any_db: str) -> None:
    customer = staff(Role.customer)
    assert customer.id is not None
    cookie, pair = _signed_in(customer.id)
    _signed_in(customer.id)
    done = staff_accounts.sign_out_everywhere(ctx(Role.support), customer.id, "lost phone")
    assert (done.sessions_ended, done.tokens_revoked, done.disabled) == (2, 2, False)
    assert _cookie_user(cookie) is None
    with pytest.raises(Unauthorized):
        _rotate(pair.refresh_token)
    [row] = audit_rows()
    assert row.action == "users.signout" and json.loads(row.before or "") == {
        "sessions": 2,
        "refresh_tokens": 2,
    }


def test_role_changes_and_their_refusals(any_db: str) -> None:
    admin = ctx(Role.admin)
    customer = staff(Role.customer)
    assert customer.id is not None and admin.actor.id is not None
    done = staff_accounts.set_role(admin, customer.id, "support", "joined the team")
    assert done.role == "support"
    [row] = audit_rows()
    assert (json.loads(row.before or ""), json.loads(row.after or "")) == (
        {"role": "customer"},
        {"role": "support"},
    )
    with pytest.raises(Conflict) as last:  # the only admin may not step down
        staff_accounts.set_role(admin, admin.actor.id, "customer", "me")
    assert last.value.code == "last_admin"
    with pytest.raises(Forbidden):
        staff_accounts.disable(admin, admin.actor.id, "me")
    with pytest.raises(Forbidden):
        staff_accounts.set_role(ctx(Role.support), customer.id, "admin", "promote me")
    with pytest.raises(Forbidden):
        staff_accounts.disable(ctx(Role.support), customer.id, "x")
    assert len(audit_rows()) == 1


def test_the_last_admin_stays(any_db: str) -> None:
    first = ctx(Role.admin)
    second = staff(Role.admin)
    assert second.id is not None and first.actor.id is not None
    staff_accounts.set_role(first, second.id, "analyst", "moved teams")
    # first is the only admin left: nobody may take it away (not even the command line).
    with pytest.raises(Conflict) as last:
        staff_accounts.set_role(None, first.actor.id, "customer", "cli")
    assert last.value.code == "last_admin"
    assert len(audit_rows()) == 1


def test_an_admin_steps_down_while_another_remains(any_db: str) -> None:
    first, second = ctx(Role.admin), ctx(Role.admin)
    assert first.actor.id is not None and second.actor.id is not None
    done = staff_accounts.set_role(first, first.actor.id, "support", "moving to support")
    assert done.role == "support"
    [row] = audit_rows()
    assert (row.actor_id, row.target_id, row.action) == (
        first.actor.id,
        str(first.actor.id),
        "users.set_role",
    )
    with pytest.raises(Conflict):  # now the last one
        staff_accounts.set_role(second, second.actor.id, "support", "me too")
    assert len(audit_rows()) == 1


def test_two_admins_demoting_each_other_at_once_leave_one(any_db: str) -> None:
    a, b = ctx(Role.admin), ctx(Role.admin)
    assert a.actor.id is not None and b.actor.id is not None

    def demote(pair: tuple[object, int]) -> object:
        who, target = pair
        try:
            return staff_accounts.set_role(who, target, "support", "race")  # type: ignore[arg-type]
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(demote, [(a, b.actor.id), (b, a.actor.id)]))
    assert sum(isinstance(r, Conflict) for r in results) == 1
    with session_scope() as session:
        assert _admins(session) == 1
    assert len(audit_rows()) == 1


def _admins(session: Session) -> int:
    from sqlalchemy import func, select

    return int(
        session.execute(
            select(func.count()).select_from(User).where(User.role == Role.admin.value)
        ).scalar_one()
    )


def test_the_command_line_audits_through_the_same_service(
    any_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    user = staff(Role.customer)
    done = call_cli(capsys, "user", "set-role", user.email, "analyst", "--reason", "ticket 12")
    assert done.returncode == 0 and f"{user.email} is now analyst" in done.stdout
    [row] = audit_rows()
    assert (row.action, row.actor_id, row.reason, row.target_user_id) == (
        "users.set_role",
        None,
        "ticket 12",
        user.id,
    )
    same = call_cli(capsys, "user", "set-role", user.email, "analyst")
    assert same.returncode == 0 and "already analyst" in same.stdout
    assert len(audit_rows()) == 1
