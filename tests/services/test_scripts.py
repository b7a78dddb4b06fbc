"""Scripts: the debit before the writer, the refund on failure (or by the orphan sweep),
regenerate, edit, ownership."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.api.conftest import settings_env
from tests.emulators.openai_api import OpenAIEmulator
from tests.support.factories import funded_user
from tests.support.samples import jpeg
from v4a_portal.db import session_scope
from v4a_portal.models import CreditLedger, GeneratedScript, utcnow
from v4a_portal.providers.local_writer import LocalWriter
from v4a_portal.providers.script_writer import AdScript, Brief, WriterError
from v4a_portal.services import images, ledger, ledger_keys, scripts
from v4a_portal.services.errors import InsufficientCredits, InvalidInput, NotFound
from v4a_portal.services.scripts import sweep as script_sweep
from v4a_portal.services.scripts import text_format
from v4a_portal.settings import get_settings


@pytest.fixture(scope="module")
def emulator() -> Iterator[OpenAIEmulator]:
    server = OpenAIEmulator().start()
    yield server
    server.stop()


def _image(user_id: int) -> int:
    with session_scope() as session:
        saved = images.save_upload(session, user_id, "mug.jpg", jpeg((160, 120)))
        assert saved.image.id is not None
        return saved.image.id


def _state(user_id: int) -> tuple[int, int, list[str]]:
    with session_scope() as session:
        n = session.execute(
            select(func.count())
            .select_from(GeneratedScript)
            .where(GeneratedScript.user_id == user_id)
        ).scalar_one()
        kinds = (
            session.execute(
                select(CreditLedger.kind)
                .where(CreditLedger.user_id == user_id)
                .order_by(CreditLedger.id)
            )
            .scalars()
            .all()
        )
        return ledger.balance(session, user_id), n, list(kinds)


def test_generate_debits_and_stores_inputs(any_db: str) -> None:
    user = funded_user(30)
    image_id = _image(user)
    result = scripts.generate(
        user, scripts.ScriptRequest(image_id, " Trail Mug ", "hikers", "calm", "en", 12)
    )
    assert result.credits_used == 10 and result.balance == 20
    row = result.script
    assert (row.product, row.audience, row.tone, row.language, row.target_duration) == (
        "Trail Mug",
        "hikers",
        "calm",
        "en",
        12,
    )
    assert row.writer == "local" and row.parent_script_id is None
    assert "VIDEO PROMPT:" in row.script_text
    assert _state(user) == (20, 1, ["purchase", "script"])


def test_no_credits_no_script(sqlite_db: str) -> None:
    user = funded_user(5)
    image_id = _image(user)
    with pytest.raises(InsufficientCredits):
        scripts.generate(user, scripts.ScriptRequest(image_id, "Mug"))
    assert _state(user) == (5, 0, ["purchase"])


def test_other_users_image_is_not_found_and_costs_nothing(sqlite_db: str) -> None:
    owner, other = funded_user(50), funded_user(50)
    image_id = _image(owner)
    with pytest.raises(NotFound):
        scripts.generate(other, scripts.ScriptRequest(image_id, "Mug"))
    assert _state(other) == (50, 0, ["purchase"])


@pytest.mark.parametrize(
    "bad",
    [
        {"product": ""},
        {"product": "x" * 201},
        {"language": "xx"},
        {"target_duration": 7},
        {"audience": "a" * 201},
        {"tone": "t" * 101},
    ],
)
def test_bad_input_costs_nothing(sqlite_db: str, bad: dict[str, object]) -> None:
    user = funded_user(50)
    fields = {"image_id": _image(user), "product": "Mug", **bad}
    with pytest.raises(InvalidInput):
        scripts.generate(user, scripts.ScriptRequest(**fields))  # type: ignore[arg-type]
    assert _state(user) == (50, 0, ["purchase"])


def _openai(emulator: OpenAIEmulator, **extra: str):  # type: ignore[no-untyped-def]
    env = {
        "V4A_SCRIPT_WRITER": "openai",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": emulator.base_url,
        "V4A_OPENAI_TIMEOUT": "5",
    }
    env.update(extra)
    return settings_env(**env)


def test_openai_writer_success_is_stored(any_db: str, emulator: OpenAIEmulator) -> None:
    user = funded_user(20)
    image_id = _image(user)
    emulator.script("429", "ok")
    with _openai(emulator):
        result = scripts.generate(user, scripts.ScriptRequest(image_id, "Mug"))
    assert result.script.writer == "openai:gpt-4o"
    assert "Your mornings, upgraded." in result.script.script_text
    assert _state(user) == (10, 1, ["purchase", "script"])


@pytest.mark.parametrize(
    ("behaviours", "extra"),
    [
        (("500", "500", "500"), {}),
        (("timeout",), {"V4A_OPENAI_TIMEOUT": "0.5", "V4A_OPENAI_MAX_RETRIES": "0"}),
        (("malformed",), {}),
        (("refusal",), {}),
    ],
)
def test_writer_failure_is_refunded_once(
    sqlite_db: str,
    emulator: OpenAIEmulator,
    behaviours: tuple[str, ...],
    extra: dict[str, str],
) -> None:
    user = funded_user(20)
    image_id = _image(user)
    emulator.script(*behaviours)
    emulator.delay_seconds = 2.0
    with _openai(emulator, **extra), pytest.raises(scripts.ScriptFailed) as caught:
        scripts.generate(user, scripts.ScriptRequest(image_id, "Mug"))
    assert "refunded" in caught.value.message
    assert _state(user) == (20, 0, ["purchase", "script", "refund"])
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def test_regenerate_links_parent_and_edit_is_free(sqlite_db: str) -> None:
    user = funded_user(30)
    image_id = _image(user)
    first = scripts.generate(user, scripts.ScriptRequest(image_id, "Mug", tone="luxury")).script
    assert first.id is not None
    second = scripts.regenerate(user, first.id).script
    assert second.parent_script_id == first.id and second.tone == "luxury"
    assert second.id is not None
    third = scripts.regenerate(user, second.id).script
    assert third.id is not None
    with session_scope() as session:
        chain = scripts.lineage(session, user, third.id)
        assert [s.id for s in chain] == [first.id, second.id, third.id]
        edited = first.script_text.replace("HOOK:", "HOOK: Hello!")
        scripts.edit(session, user, first.id, edited)
    with session_scope() as session:
        assert session.get(GeneratedScript, first.id).script_text == edited  # type: ignore[union-attr]
        with pytest.raises(InvalidInput):
            scripts.edit(session, user, first.id, "no structure at all")
        with pytest.raises(InvalidInput):
            scripts.edit(session, user, first.id, "   ")
    assert _state(user)[0] == 0  # three scripts, the edit free


def test_others_cannot_read_edit_or_regenerate(sqlite_db: str) -> None:
    owner, other = funded_user(30), funded_user(30)
    script = scripts.generate(owner, scripts.ScriptRequest(_image(owner), "Mug")).script
    assert script.id is not None
    with session_scope() as session:
        with pytest.raises(NotFound):
            scripts.get_owned(session, other, script.id)
        with pytest.raises(NotFound):
            scripts.edit(session, other, script.id, script.script_text)
        assert scripts.list_for(session, other) == ([], 0)
    with pytest.raises(NotFound):
        scripts.regenerate(other, script.id)
    assert _state(other) == (30, 0, ["purchase"])


def test_deleting_the_photo_keeps_scripts(sqlite_db: str) -> None:
    user = funded_user(20)
    image_id = _image(user)
    script = scripts.generate(user, scripts.ScriptRequest(image_id, "Mug")).script
    with session_scope() as session:
        images.delete(session, user, image_id)
    with session_scope() as session:
        kept = session.get(GeneratedScript, script.id)
        assert kept is not None and kept.image_id is None
    with pytest.raises(InvalidInput):
        scripts.regenerate(user, script.id)  # type: ignore[arg-type]
    assert _state(user)[0] == 10


class _GivenUpWriter:
    """A writer so slow that the orphan sweep refunds the request while it runs."""

    name = "slow"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.refunded = -1

    def write(self, brief: Brief) -> AdScript:
        later = utcnow() + timedelta(minutes=get_settings().script_orphan_minutes + 1)
        self.refunded = script_sweep.sweep(now=later)
        if self.fail:
            raise WriterError("The writer gave up.")
        return LocalWriter().write(brief)


def test_a_stored_script_is_never_refunded_by_the_sweep(any_db: str) -> None:
    user = funded_user(30)
    result = scripts.generate(user, scripts.ScriptRequest(_image(user), "Mug"))
    key = result.script.charge_key
    assert key is not None and key.startswith(f"script:{user}:")
    for days in (0, 1, 6):
        assert script_sweep.sweep(now=utcnow() + timedelta(days=days, minutes=20)) == 0
    assert _state(user) == (20, 1, ["purchase", "script"])
    with session_scope() as session:
        assert ledger.find(session, key) is not None
        assert ledger.reconcile(session) == []


def test_a_writer_finishing_after_the_sweep_refunded_stores_nothing(any_db: str) -> None:
    user = funded_user(30)
    writer = _GivenUpWriter()
    with pytest.raises(scripts.ScriptFailed) as caught:
        scripts.generate(user, scripts.ScriptRequest(_image(user), "Mug"), writer=writer)
    assert writer.refunded == 1
    assert caught.value.code == "script_timed_out"
    assert "took too long" in caught.value.message and "10 credits were refunded" in (
        caught.value.message
    )
    assert _state(user) == (30, 0, ["purchase", "script", "refund"])
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def test_a_writer_failing_after_the_sweep_refunded_is_not_refunded_again(any_db: str) -> None:
    user = funded_user(30)
    writer = _GivenUpWriter(fail=True)
    with pytest.raises(scripts.ScriptFailed) as caught:
        scripts.generate(user, scripts.ScriptRequest(_image(user), "Mug"), writer=writer)
    assert writer.refunded == 1
    assert "refunded (balance 30)" in caught.value.message
    assert _state(user) == (30, 0, ["purchase", "script", "refund"])
    with session_scope() as session:
        assert ledger.reconcile(session) == []


def test_a_regeneration_varies_the_text(sqlite_db: str) -> None:
    """The local writer is deterministic per input: a regeneration is seeded by its parent
    and attempt, so each version reads differently while keeping to the brief."""
    user = funded_user(50)
    brief = scripts.ScriptRequest(_image(user), "Trail Mug", "hikers", "calm")
    first = scripts.generate(user, brief).script
    assert first.id is not None
    second = scripts.regenerate(user, first.id).script
    third = scripts.regenerate(user, first.id).script  # the same parent, the next attempt
    assert second.id is not None
    fourth = scripts.regenerate(user, second.id).script
    texts = [s.script_text for s in (first, second, third, fourth)]
    assert len(set(texts)) == 4
    for text in texts:
        assert "Trail Mug" in text and "hikers" in text
    assert _state(user) == (10, 4, ["purchase", "script", "script", "script", "script"])


class _Echo:
    """A writer that returns a fixed script: a regeneration identical to its parent."""

    name = "echo"

    def __init__(self, script: AdScript) -> None:
        self.script = script
        self.calls = 0

    def write(self, brief: Brief) -> AdScript:
        self.calls += 1
        return self.script


def test_a_regeneration_identical_to_its_parent_is_refunded_once(sqlite_db: str) -> None:
    user = funded_user(30)
    parent = scripts.generate(user, scripts.ScriptRequest(_image(user), "Mug")).script
    assert parent.id is not None
    same = text_format.parse(parent.script_text)
    assert same is not None
    writer = _Echo(same)

    with pytest.raises(scripts.SameScript) as caught:
        scripts.regenerate(user, parent.id, writer=writer)

    # The user is told, in words, that nothing new came back and the credits are back.
    assert f"script #{parent.id} word for word" in caught.value.message
    assert "10 credits were refunded (balance 20)" in caught.value.message
    assert _state(user) == (20, 1, ["purchase", "script", "script", "refund"])
    with session_scope() as session:
        debit, refund = (
            session.execute(
                select(CreditLedger)
                .where(CreditLedger.user_id == user, CreditLedger.delta.in_((-10, 10)))
                .order_by(CreditLedger.id)
            )
            .scalars()
            .all()[-2:]
        )
    assert refund.idempotency_key == ledger_keys.refund_of(debit.idempotency_key)
    assert refund.note == "same_as_parent"
    # Keyed: neither a second refund attempt nor the orphan sweep pays it again.
    assert scripts.refund_unless_stored(debit.idempotency_key, "again") is None
    later = utcnow() + timedelta(hours=2)
    assert script_sweep.sweep(later) == 0
    assert _state(user) == (20, 1, ["purchase", "script", "script", "refund"])
    with session_scope() as session:
        assert ledger.reconcile(session) == []

    # The next attempt is seeded anew: the local writer now gives a different text.
    kept = scripts.regenerate(user, parent.id).script
    assert kept.parent_script_id == parent.id and kept.script_text != parent.script_text
