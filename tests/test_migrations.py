"""Migrations on SQLite and PostgreSQL: up, matching the models, down, and the DB-level rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, delete, func, insert, inspect, select, table, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from v4a_portal import schema_migrations
from v4a_portal.db import get_engine, session_scope
from v4a_portal.models import (
    CreditLedger,
    GeneratedScript,
    UploadedImage,
    User,
    Video,
)
from v4a_portal.services import ledger


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("empty_sqlite" if request.param == "sqlite" else "empty_pg")


def _tables() -> set[str]:
    with get_engine().connect() as conn:
        return set(inspect(conn).get_table_names())


def test_upgrade_matches_models_and_downgrade_removes_everything(empty_db: str) -> None:
    model_tables = set(SQLModel.metadata.tables)
    assert not _tables() & model_tables

    schema_migrations.upgrade()
    assert model_tables <= _tables()
    with get_engine().connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    # The same check `alembic check` runs; raises if autogenerate would emit anything.
    command.check(schema_migrations.alembic_config())

    schema_migrations.downgrade()
    assert not _tables() & model_tables
    # And back up again: the downgrade left nothing behind that blocks a re-run.
    schema_migrations.upgrade()
    assert model_tables <= _tables()


def _lineage() -> dict[str, int]:
    """A user with an image, a script from it, a video from both, and a ledger row."""
    with session_scope() as session:
        user = User(email="owner@test.example")
        session.add(user)
        session.flush()
        assert user.id is not None
        image = UploadedImage(user_id=user.id, file_path="a.png", storage_url="/m/a.png")
        session.add(image)
        session.flush()
        script = GeneratedScript(user_id=user.id, image_id=image.id, script_text="Buy it.")
        session.add(script)
        session.flush()
        video = Video(
            user_id=user.id, image_id=image.id, script_id=script.id, model="draft", duration=4
        )
        session.add(video)
        session.flush()
        ledger.post(session, user_id=user.id, delta=50, kind="signup_bonus", key="signup:t")
        ids = {"user": user.id, "image": image.id, "script": script.id, "video": video.id}
    return {k: int(v or 0) for k, v in ids.items()}


def test_on_delete_rules(any_db: str) -> None:
    ids = _lineage()
    # Core deletes, so the database's ON DELETE rules act, not ORM cascades.
    with session_scope() as session:
        session.execute(delete(UploadedImage).where(UploadedImage.id == ids["image"]))
    with session_scope() as session:
        script = session.get(GeneratedScript, ids["script"])
        video = session.get(Video, ids["video"])
        assert script is not None and script.image_id is None
        assert video is not None and video.image_id is None
        assert video.script_id == ids["script"]

    with session_scope() as session:
        session.execute(delete(GeneratedScript).where(GeneratedScript.id == ids["script"]))
    with session_scope() as session:
        video = session.get(Video, ids["video"])
        assert video is not None and video.script_id is None

    with session_scope() as session:
        session.execute(
            insert(UploadedImage).values(user_id=ids["user"], file_path="b", storage_url="/b")
        )
        session.execute(
            insert(GeneratedScript).values(user_id=ids["user"], script_text="x", credits_used=10)
        )
    with session_scope() as session:
        session.execute(delete(User).where(User.id == ids["user"]))
    with session_scope() as session:
        for model in (UploadedImage, GeneratedScript, Video, CreditLedger):
            count = session.execute(select(func.count()).select_from(model)).scalar_one()
            assert count == 0, model.__tablename__


def test_credits_check_rejects_negative_update(any_db: str) -> None:
    ids = _lineage()
    with pytest.raises(IntegrityError), session_scope() as session:
        session.execute(text("UPDATE users SET credits = -1 WHERE id = :id"), {"id": ids["user"]})
    with session_scope() as session:
        assert (
            session.execute(select(User.credits).where(User.id == ids["user"])).scalar_one() == 50
        )
        # Zero is allowed: the constraint is >= 0, not > 0.
        session.execute(update(User).where(User.id == ids["user"]).values(credits=0))


def test_idempotency_key_is_unique(any_db: str) -> None:
    ids = _lineage()
    row = {"user_id": ids["user"], "delta": 1, "balance_after": 51, "kind": "purchase"}
    with pytest.raises(IntegrityError), session_scope() as session:
        session.execute(insert(CreditLedger).values(**row, idempotency_key="signup:t"))
    with session_scope() as session:
        session.execute(insert(CreditLedger).values(**row, idempotency_key="fresh"))
        keys = session.execute(select(CreditLedger.idempotency_key)).scalars().all()
    assert sorted(keys) == ["fresh", "signup:t"]


def test_0003_keeps_the_oldest_of_each_duplicate_photo(empty_db: str) -> None:
    """Duplicates stored before the unique index: the oldest keeps its hash, later ones lose
    theirs but stay (with what references them); then the index holds."""
    schema_migrations.upgrade("0002")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with session_scope() as session:
        owner, other = User(email="dup@test.example"), User(email="other@test.example")
        session.add_all([owner, other])
        session.flush()

        def photo(user: User, sha: str | None, minutes: int) -> int:
            row = {"user_id": user.id, "file_path": "k", "storage_url": "/m/k", "sha256": sha}
            at = start + timedelta(minutes=minutes)
            result = session.execute(insert(UploadedImage).values(**row, created_at=at))
            return int(result.inserted_primary_key[0])

        # Inserted out of time order: the oldest is the second row, not the lowest id.
        later, oldest, latest = photo(owner, "aa", 5), photo(owner, "aa", 1), photo(owner, "aa", 9)
        tie_first, tie_second = photo(owner, "cc", 3), photo(owner, "cc", 3)
        single, theirs = photo(owner, "bb", 2), photo(other, "aa", 7)
        unhashed = [photo(owner, None, 4), photo(owner, None, 4)]
        # The columns of revision 0002 only: later revisions add more, with defaults.
        videos_0002 = table(
            "videos",
            *(
                column(c)
                for c in ("id", "user_id", "image_id", "prompt", "status", "model", "duration")
            ),
            *(column(c) for c in ("credits_used", "progress", "attempts", "created_at")),
        )
        video_id = session.execute(
            insert(videos_0002)
            .values(
                user_id=owner.id,
                image_id=latest,
                prompt="",
                status="pending",
                model="draft",
                duration=4,
                credits_used=0,
                progress=0,
                attempts=0,
                created_at=start,
            )
            .returning(videos_0002.c.id)
        ).scalar_one()

    schema_migrations.upgrade()

    with session_scope() as session:
        rows = session.execute(select(UploadedImage.id, UploadedImage.sha256)).all()
        assert dict(rows) == {
            oldest: "aa",
            later: None,
            latest: None,
            tie_first: "cc",
            tie_second: None,
            single: "bb",
            theirs: "aa",
            unhashed[0]: None,
            unhashed[1]: None,
        }
        assert session.get(Video, video_id).image_id == latest  # type: ignore[union-attr]
        assert session.execute(select(UploadedImage.thumbnail_path).distinct()).all() == [(None,)]
    again = {"user_id": owner.id, "file_path": "k", "storage_url": "/m/k", "sha256": "aa"}
    with pytest.raises(IntegrityError), session_scope() as session:
        session.execute(insert(UploadedImage).values(**again))

    schema_migrations.downgrade("0002")  # the index is plain again
    with session_scope() as session:
        session.execute(insert(UploadedImage).values(**again))
