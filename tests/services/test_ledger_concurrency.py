"""Many threads hammering one balance through ledger.apply, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select

from tests.support.factories import funded_user
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger
from v4a_portal.services import ledger
from v4a_portal.services.errors import InsufficientCredits

THREADS = 16
OPS = 200
OPENING = 100


@dataclass
class Tally:
    accepted: dict[str, int] = field(default_factory=dict)  # key -> delta
    refused: int = 0
    replays: int = 0


def _worker(n: int, user_id: int, done: dict[str, ledger.Entry], lock: threading.Lock) -> Tally:
    """Random debits (the drift is downwards, so many get refused), credits and replays.

    Anything but InsufficientCredits escapes and fails the test through the future.
    """
    rng = random.Random(n)
    tally = Tally()
    for i in range(OPS):
        with lock:
            replay = rng.choice(list(done.items())) if done and rng.random() < 0.15 else None
        if replay is not None:
            key, first = replay
            # Replaying with other values, including a debit nobody could afford.
            delta = rng.choice([first.delta, -1_000_000, 1_000_000])
            again = ledger.apply(user_id=user_id, delta=delta, kind="video", key=key)
            assert again.replayed and (again.id, again.delta) == (first.id, first.delta)
            tally.replays += 1
            continue
        key = f"t{n}-{i}"
        delta = -rng.randint(1, 25) if rng.random() < 0.6 else rng.randint(1, 20)
        try:
            entry = ledger.apply(user_id=user_id, delta=delta, kind="script", key=key)
        except InsufficientCredits:
            tally.refused += 1
            continue
        assert not entry.replayed and entry.balance_after >= 0
        tally.accepted[key] = delta
        with lock:
            done[key] = entry
    return tally


def test_concurrent_debits_and_credits_keep_the_invariants(any_db: str) -> None:
    user_id = funded_user(OPENING)
    done: dict[str, ledger.Entry] = {}
    lock = threading.Lock()
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(_worker, n, user_id, done, lock) for n in range(THREADS)]
        tallies = [f.result() for f in futures]

    accepted = {k: d for t in tallies for k, d in t.accepted.items()}
    # The run exercised every path, or it proves little.
    assert sum(t.refused for t in tallies) > 50
    assert sum(t.replays for t in tallies) > 50
    assert sum(1 for d in accepted.values() if d < 0) > 200

    with session_scope() as session:
        rows = session.execute(select(CreditLedger).where(CreditLedger.user_id == user_id)).all()
        entries = [r[0] for r in rows]
        balance = ledger.balance(session, user_id)
        problems = ledger.reconcile(session)

    assert balance == sum(e.delta for e in entries) == OPENING + sum(accepted.values())
    assert min(e.balance_after for e in entries) >= 0
    # Each accepted change is recorded exactly once, and nothing else is.
    per_key = Counter(e.idempotency_key for e in entries)
    assert max(per_key.values()) == 1
    assert set(per_key) == {f"opening:{user_id}", *accepted}
    assert {e.idempotency_key: e.delta for e in entries if e.idempotency_key in accepted} == (
        accepted
    )
    assert problems == []
