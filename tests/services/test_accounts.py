"""Accounts on SQLite and PostgreSQL: sign-in bonuses (also under concurrency), roles, the list."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select, update

from v4a_portal.db import session_scope
from v4a_portal.models import AuditLog, CreditLedger, User, utcnow
from v4a_portal.services import accounts
from v4a_portal.services.accounts import Identity
from v4a_portal.services.errors import Forbidden, InvalidInput, NotFound
from v4a_portal.settings import get_settings

T = TypeVar("T")


def _together(count: int, fn: Callable[[], T]) -> list[T]:
    """Run `fn` in `count` threads released at the same instant."""
    gate = threading.Barrier(count)

    def run() -> T:
        gate.wait()
        return fn()

    with ThreadPoolExecutor(count) as pool:
        return [f.result() for f in [pool.submit(run) for _ in range(count)]]


def _kinds(user_id: int) -> list[tuple[str, int]]:
    with session_scope() as session:
        rows = session.execute(
            select(CreditLedger.kind, CreditLedger.delta)
            .where(CreditLedger.user_id == user_id)
            .order_by(CreditLedger.id)
        ).all()
    return [(k, d) for k, d in rows]


def _credits(user_id: int) -> int:
    with session_scope() as session:
        return session.execute(select(User.credits).where(User.id == user_id)).scalar_one()


def _age_bonus(user_id: int, hours: float) -> None:
    """Pretend the last daily bonus was granted `hours` ago."""
    with session_scope() as session:
        session.execute(
            update(User)
            .where(User.id == user_id)
            .values(last_login_bonus_date=utcnow() - timedelta(hours=hours))
        )


def test_first_sign_in_creates_the_user_with_the_signup_bonus(any_db: str) -> None:
    user = accounts.sign_in(Identity("sub-1", "  Maya.Chen@Example.COM ", "Maya", "http://p/1"))
    assert user.id is not None
    assert (user.email, user.name, user.role, user.credits) == (
        "maya.chen@example.com",
        "Maya",
        "customer",
        get_settings().signup_bonus,
    )
    assert _kinds(user.id) == [("signup_bonus", 50)]


def test_daily_bonus_respects_the_cooldown(any_db: str) -> None:
    identity = Identity("sub-2", "leo@example.com", "Leo")
    user_id = accounts.sign_in(identity).id
    assert user_id is not None
    assert accounts.sign_in(identity).credits == 50  # the same day: nothing
    _age_bonus(user_id, 23)
    assert accounts.sign_in(identity).credits == 50  # 23 h is not 24 h
    _age_bonus(user_id, 25)
    assert accounts.sign_in(identity).credits == 60
    assert accounts.sign_in(identity).credits == 60  # the cooldown restarted
    assert _kinds(user_id) == [("signup_bonus", 50), ("daily_bonus", 10)]


def test_daily_bonus_is_granted_once_to_concurrent_sign_ins(any_db: str) -> None:
    identity = Identity("sub-3", "zoe@example.com", "Zoe")
    user_id = accounts.sign_in(identity).id
    assert user_id is not None
    _age_bonus(user_id, 25)
    users = _together(10, lambda: accounts.sign_in(identity))
    assert {u.id for u in users} == {user_id}
    assert _credits(user_id) == 60
    assert _kinds(user_id) == [("signup_bonus", 50), ("daily_bonus", 10)]


def test_concurrent_first_sign_ins_create_one_user(any_db: str) -> None:
    identity = Identity("sub-4", "kai@example.com", "Kai")
    users = _together(10, lambda: accounts.sign_in(identity))
    assert len({u.id for u in users}) == 1
    with session_scope() as session:
        assert session.execute(select(func.count()).select_from(User)).scalar_one() == 1
    user_id = users[0].id
    assert user_id is not None
    assert _kinds(user_id) == [("signup_bonus", 50)]
    assert _credits(user_id) == 50


def test_admin_emails_make_admins_at_sign_in(any_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    early = accounts.sign_in(Identity("sub-5", "boss@example.com"))
    assert early.role == "customer"
    monkeypatch.setenv("V4A_ADMIN_EMAILS", "Boss@Example.com, root@example.com")
    get_settings.cache_clear()  # the sqlite_db/pg_db teardown clears it again
    assert accounts.sign_in(Identity("sub-5", "boss@example.com")).role == "admin"
    assert accounts.sign_in(Identity("sub-6", "root@example.com")).role == "admin"
    assert accounts.sign_in(Identity("sub-7", "someone@example.com")).role == "customer"


def test_disabled_user_cannot_sign_in(any_db: str) -> None:
    identity = Identity("sub-8", "gone@example.com")
    user_id = accounts.sign_in(identity).id
    assert user_id is not None
    with session_scope() as session:
        accounts.set_disabled(session, user_id, True, actor=None)
    _age_bonus(user_id, 25)
    with pytest.raises(Forbidden):
        accounts.sign_in(identity)
    assert _credits(user_id) == 50  # and no daily bonus on the way out
    with session_scope() as session:
        accounts.set_disabled(session, user_id, False, actor=None)
    assert accounts.sign_in(identity).credits == 60


def test_set_role_is_audited(any_db: str) -> None:
    admin = accounts.sign_in(Identity("sub-a", "ada@example.com"))
    target = accounts.sign_in(Identity("sub-b", "sam@example.com"))
    with session_scope() as session:
        accounts.set_role(session, "SAM@example.com", "support", actor=admin)
    with session_scope() as session:
        assert accounts.get(session, target.id or 0).role == "support"
        rows = session.execute(select(AuditLog)).scalars().all()
        with pytest.raises(InvalidInput):
            accounts.set_role(session, "sam@example.com", "overlord", actor=admin)
        with pytest.raises(NotFound):
            accounts.set_role(session, "nobody@example.com", "admin", actor=admin)
    assert [(r.action, r.actor_id, r.target_type, r.target_id) for r in rows] == [
        ("users.set_role", admin.id, "user", str(target.id))
    ]
    assert json.loads(rows[0].before or "") == {"role": "customer"}
    assert json.loads(rows[0].after or "") == {"role": "support"}


PEOPLE = [
    ("alice.smith@candles.example", "Alice Smith"),
    ("bob@tea.example", "BOB JONES"),
    ("carol@bikes.example", "Carol Smithson"),
    ("dan@candles.example", None),
    ("erin@pets.example", "Erin Okafor"),
]


def test_list_users_searches_sorts_and_paginates(any_db: str) -> None:
    for n, (email, name) in enumerate(PEOPLE):
        accounts.sign_in(Identity(f"list-{n}", email, name))
    with session_scope() as session:

        def emails(**kw: object) -> tuple[list[str], int]:
            rows, total = accounts.list_users(session, **kw)  # type: ignore[arg-type]
            return [u.email for u in rows], total

        # Name and email, case-insensitive on both sides.
        assert emails(query="SMITH", sort="email", descending=False) == (
            ["alice.smith@candles.example", "carol@bikes.example"],
            2,
        )
        assert emails(query="jones") == (["bob@tea.example"], 1)
        assert emails(query="CANDLES", sort="email", descending=False)[1] == 2
        assert emails(query="nobody-matches") == ([], 0)

        ascending = sorted(e for e, _ in PEOPLE)
        assert emails(sort="email", descending=False) == (ascending, 5)
        assert emails(sort="email", descending=True)[0] == ascending[::-1]
        pages = [emails(sort="email", descending=False, page=p, per_page=2) for p in (1, 2, 3)]
        assert [p[0] for p in pages] == [ascending[0:2], ascending[2:4], ascending[4:]]
        assert {p[1] for p in pages} == {5}

        with pytest.raises(InvalidInput):
            accounts.list_users(session, sort="credits; DROP TABLE users")


def test_daily_bonus_says_when_the_next_one_comes() -> None:
    """What the Studio tells a user short of credits: the next bonus, from the same cooldown
    the sign-in applies."""
    from datetime import datetime

    from v4a_portal.state import messages

    now = utcnow()
    claimed = User(email="b@test.example", last_login_bonus_date=now - timedelta(hours=2))
    bonus = accounts.daily_bonus(claimed)
    assert bonus.credits == get_settings().daily_bonus
    assert bonus.next_at is not None
    assert abs((bonus.next_at - (now + timedelta(hours=22))).total_seconds()) < 5
    naive = User(email="n@test.example", last_login_bonus_date=datetime(2020, 1, 1))
    assert accounts.daily_bonus(naive).next_at is None  # due: SQLite's naive UTC read back
    assert messages.daily_bonus_note(10, bonus.next_at, now).endswith("(in about 22 hours).")
    assert messages.daily_bonus_note(10, None, now) == (
        "Your daily bonus of 10 credits is ready: sign out and sign in again to collect it."
    )
