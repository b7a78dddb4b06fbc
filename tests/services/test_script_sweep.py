"""The script orphan sweep: a debit whose request died is refunded once, after the grace
period; a stored script is never refunded; sweep and store racing leave one of the two."""

from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import func, select, update

import jobs.maintenance
from tests.support.factories import funded_user
from tests.support.samples import jpeg
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, GeneratedScript, LedgerKind, utcnow
from v4a_portal.providers.local_writer import LocalWriter
from v4a_portal.providers.script_writer import AdScript, Brief
from v4a_portal.services import images, ledger, scripts
from v4a_portal.services.scripts import sweep as script_sweep
from v4a_portal.settings import get_settings

ROUNDS = 20


def _later(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)


def _grace() -> timedelta:
    return _later(get_settings().script_orphan_minutes)


def _crashed_request(user_id: int, price: int = 10) -> str:
    """What a request killed after its debit leaves behind: the debit and nothing else."""
    key = f"script:{user_id}:{uuid.uuid4().hex}"
    ledger.apply(user_id=user_id, delta=-price, kind=LedgerKind.script, key=key)
    return key


def _image(user_id: int) -> int:
    with session_scope() as session:
        saved = images.save_upload(session, user_id, "mug.jpg", jpeg((160, 120)))
        assert saved.image.id is not None
        return saved.image.id


def _settled(key: str) -> tuple[int, int]:
    """(scripts paid by the debit, refunds of it)."""
    with session_scope() as session:
        stored = session.execute(
            select(func.count())
            .select_from(GeneratedScript)
            .where(GeneratedScript.charge_key == key)
        ).scalar_one()
        refunds = session.execute(
            select(func.count())
            .select_from(CreditLedger)
            .where(CreditLedger.idempotency_key == f"refund:{key}")
        ).scalar_one()
        return int(stored), int(refunds)


def _balance(user_id: int) -> int:
    with session_scope() as session:
        return ledger.balance(session, user_id)


def _reconciled() -> bool:
    with session_scope() as session:
        return ledger.reconcile(session) == []


def test_a_crashed_request_is_refunded_once_after_the_grace_period(any_db: str) -> None:
    user = funded_user(30)
    key = _crashed_request(user)
    assert _balance(user) == 20
    assert script_sweep.sweep(now=utcnow() + _grace() - _later(1)) == 0
    assert _settled(key) == (0, 0)

    later = utcnow() + _grace() + _later(1)
    assert script_sweep.sweep(now=later) == 1
    assert script_sweep.sweep(now=later) == 0
    assert script_sweep.sweep(now=later + _later(60)) == 0
    assert _settled(key) == (0, 1)
    assert _balance(user) == 30
    with session_scope() as session:
        refund = ledger.find(session, f"refund:{key}")
        assert refund is not None
        assert (refund.kind, refund.delta, refund.note) == ("refund", 10, "orphaned")
    assert _reconciled()


def _refunds(user_id: int) -> int:
    with session_scope() as session:
        return session.execute(
            select(func.count())
            .select_from(CreditLedger)
            .where(CreditLedger.user_id == user_id, CreditLedger.kind == "refund")
        ).scalar_one()


def test_only_script_request_debits_are_swept(any_db: str) -> None:
    user = funded_user(100)
    ledger.apply(user_id=user, delta=-10, kind=LedgerKind.video, key=f"script:{user}:video")
    ledger.apply(user_id=user, delta=-10, kind=LedgerKind.script, key=f"demo-script:{user}:1")
    assert script_sweep.sweep(now=utcnow() + _later(24 * 60)) == 0
    assert _refunds(user) == 0 and _balance(user) == 80


def _script_without_key(user_id: int) -> None:
    with session_scope() as session:
        session.add(GeneratedScript(user_id=user_id, script_text="Buy it.", credits_used=10))


def test_scripts_stored_before_charge_keys_count_as_paid_for(any_db: str) -> None:
    # Upgrading must not refund what was delivered before scripts recorded their debit:
    # a debit followed by a script without a key of the same user is taken as paid for.
    user = funded_user(100)
    paid_before = _crashed_request(user)
    _script_without_key(user)
    crashed_since = _crashed_request(user)  # after that script: nothing pays for it
    assert script_sweep.sweep(now=utcnow() + _grace() + _later(1)) == 1
    assert _settled(paid_before) == (0, 0)
    assert _settled(crashed_since) == (0, 1)
    assert _balance(user) == 90


def test_debits_older_than_the_lookback_are_not_scanned(any_db: str) -> None:
    user = funded_user(20)
    key = _crashed_request(user)
    assert script_sweep.sweep(now=utcnow() + script_sweep.LOOKBACK + _later(1)) == 0
    assert script_sweep.sweep(now=utcnow() + _grace() + _later(1)) == 1
    assert _settled(key) == (0, 1)


class _BarrierWriter:
    """The local writer, which then waits at `barrier` with the sweep before returning."""

    name = "barrier"

    def __init__(self, barrier: threading.Barrier, jitter: float) -> None:
        self.barrier = barrier
        self.jitter = jitter

    def write(self, brief: Brief) -> AdScript:
        script = LocalWriter().write(brief)
        self.barrier.wait(timeout=30)
        time.sleep(self.jitter)
        return script


def _store_or_fail(user: int, image_id: int, writer: _BarrierWriter) -> bool:
    try:
        scripts.generate(user, scripts.ScriptRequest(image_id, "Mug"), writer=writer)
    except scripts.ScriptFailed:
        return False
    return True


def _sweep_at_barrier(barrier: threading.Barrier, jitter: float) -> int:
    barrier.wait(timeout=30)
    time.sleep(jitter)
    return script_sweep.sweep(now=utcnow() + _grace() + _later(1))


def test_sweep_and_store_racing_leave_exactly_one_of_them(any_db: str) -> None:
    rng = random.Random(5)
    with ThreadPoolExecutor(2) as pool:
        for _ in range(ROUNDS):
            user = funded_user(10)
            image_id = _image(user)
            barrier = threading.Barrier(2)
            # Small random delays vary who reaches the debit's lock first: on PostgreSQL
            # both outcomes occur over the rounds; SQLite serialises the two writers.
            store_jitter, sweep_jitter = (rng.choice([0, 0, 0.001, 0.003]) for _ in range(2))
            stored = pool.submit(
                _store_or_fail, user, image_id, _BarrierWriter(barrier, store_jitter)
            )
            swept = pool.submit(_sweep_at_barrier, barrier, sweep_jitter)
            was_stored, refunded = stored.result(timeout=60), swept.result(timeout=60)
            with session_scope() as session:
                key = session.execute(
                    select(CreditLedger.idempotency_key).where(
                        CreditLedger.user_id == user, CreditLedger.kind == "script"
                    )
                ).scalar_one()
            assert _settled(key) == ((1, 0) if was_stored else (0, 1))
            assert refunded == (0 if was_stored else 1)
            assert _balance(user) == (0 if was_stored else 10)
    assert _reconciled()


def test_the_maintenance_job_reports_refunded_scripts(any_db: str, redis_conn: Redis) -> None:
    user = funded_user(20)
    key = _crashed_request(user)
    # The job sweeps at the real time: make the debit as old as a real orphan would be.
    with session_scope() as session:
        session.execute(
            update(CreditLedger)
            .where(CreditLedger.idempotency_key == key)
            .values(created_at=utcnow() - _grace() - _later(1))
        )
    report = jobs.maintenance.sweep()
    assert report["scripts_refunded"] == 1
    assert jobs.maintenance.sweep()["scripts_refunded"] == 0
    assert _settled(key) == (0, 1) and _balance(user) == 20
    assert _reconciled()


@pytest.mark.parametrize("minutes", ["0", "-5"])
def test_the_grace_period_is_at_least_a_minute(minutes: str) -> None:
    from pydantic import ValidationError

    from v4a_portal.settings import Settings

    with pytest.raises(ValidationError):
        Settings(V4A_SCRIPT_ORPHAN_MINUTES=minutes)  # type: ignore[call-arg]
