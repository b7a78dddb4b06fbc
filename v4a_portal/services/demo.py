"""Believable demo data for a fresh database: users of each role with ledger history."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, LedgerKind, Role, User, utcnow
from v4a_portal.services import ledger, ledger_keys

STAFF = [
    ("admin@v4a.example", "Ada Admin", Role.admin),
    ("support@v4a.example", "Sam Support", Role.support),
    ("analyst@v4a.example", "Ana Analyst", Role.analyst),
]
FIRST = [
    "Maya",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Lucas",
    "Mia",
    "Ethan",
    "Zoe",
    "Leo",
    "Aria",
    "Kai",
    "Nora",
    "Omar",
    "Priya",
    "Hana",
    "Diego",
    "Ines",
    "Tom",
    "Yuki",
]
LAST = [
    "Chen",
    "Garcia",
    "Okafor",
    "Novak",
    "Schmidt",
    "Rossi",
    "Kim",
    "Silva",
    "Haddad",
    "Larsen",
    "Moreau",
    "Tanaka",
    "Brown",
    "Ivanova",
    "Patel",
]
SHOPS = ["candles", "sneakers", "coffee", "skincare", "bikes", "tea", "jewelry", "pets"]


def seed(customers: int = 42, rng_seed: int = 7) -> int:
    """Create the demo users unless any user exists; returns how many were created."""
    rng = random.Random(rng_seed)
    with session_scope() as session:
        if session.execute(select(func.count()).select_from(User)).scalar_one():
            return 0
    people = list(STAFF)
    for i in range(customers):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        shop = rng.choice(SHOPS)
        people.append(
            (f"{first}.{last}{i}@{shop}-shop.example".lower(), f"{first} {last}", Role.customer)
        )
    now = utcnow()
    for n, (email, name, role) in enumerate(people):
        joined = now - timedelta(days=rng.randint(1, 180), minutes=rng.randint(0, 1440))
        with session_scope() as session:
            user = User(
                email=email,
                name=name,
                role=role.value,
                created_at=joined,
                last_login_bonus_date=joined,
                oidc_subject=f"demo|{n}",
            )
            session.add(user)
            session.flush()
            assert user.id is not None
            _history(session, user.id, rng)
            # Backdate the demo history so the account page reads like real use.
            session.execute(
                update(CreditLedger)
                .where(col(CreditLedger.user_id) == user.id)
                .values(created_at=joined + timedelta(hours=1))
            )
    return len(people)


def _history(session: Session, user_id: int, rng: random.Random) -> None:
    ledger.post(
        session,
        user_id=user_id,
        delta=50,
        kind=LedgerKind.signup_bonus,
        key=ledger_keys.signup_bonus(user_id),
        reference=f"user:{user_id}",
    )
    for day in range(rng.randint(0, 6)):
        ledger.post(
            session,
            user_id=user_id,
            delta=10,
            kind=LedgerKind.daily_bonus,
            key=f"demo-daily:{user_id}:{day}",
            reference=f"user:{user_id}",
        )
    if rng.random() < 0.3:
        ledger.post(
            session,
            user_id=user_id,
            delta=500,
            kind=LedgerKind.purchase,
            key=f"demo-purchase:{user_id}",
            reference="pack:starter_500",
        )
    for n in range(rng.randint(0, 4)):
        bal = ledger.balance(session, user_id)
        if bal >= 10:
            ledger.post(
                session,
                user_id=user_id,
                delta=-10,
                kind=LedgerKind.script,
                key=f"demo-script:{user_id}:{n}",
                reference=f"demo-script:{n}",
            )
