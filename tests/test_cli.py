"""The operator CLI against the test database: `user token` as a real subprocess
(`python -m v4a_portal` end to end), the rest through `cli.main` in-process."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from tests.support.factories import call_cli, funded_user, run_cli
from tests.support.samples import jpeg
from v4a_portal.db import session_scope
from v4a_portal.models import AuditLog, CreditLedger, RefreshToken, Role, UploadedImage, User
from v4a_portal.services import accounts, images, ledger, storage
from v4a_portal.services.accounts import Identity
from v4a_portal.services.auth import api_tokens
from v4a_portal.services.auth.web_sessions import hash_token


def test_user_token_prints_tokens_the_api_accepts(any_db: str) -> None:
    user = accounts.sign_in(Identity("cli-1", "maya@example.com", "Maya"))
    done = run_cli("user", "token", "Maya@Example.com")
    assert done.returncode == 0, done.stderr
    pair = json.loads(done.stdout)
    with session_scope() as session:
        assert api_tokens.user_from_access(session, pair["access_token"]).id == user.id
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


def test_images_thumbnails_backfills_older_photos_once(
    any_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    user = funded_user(0)
    with session_scope() as session:
        saved = [
            images.save_upload(session, user, f"p{n}.jpg", jpeg((800 + n, 600))).image
            for n in range(4)
        ]
    store = storage.local_storage()
    old, gone, broken = saved[0], saved[1], saved[2]
    with session_scope() as session:  # three photos from before thumbnails
        for image in (old, gone, broken):
            store.delete(image.thumbnail_path or "")
        session.execute(
            update(UploadedImage)
            .where(UploadedImage.id.in_([old.id, gone.id, broken.id]))
            .values(thumbnail_path=None)
        )
    store.delete(gone.file_path or "")  # one lost its file
    store.path(broken.file_path or "").write_bytes(b"not an image any more")  # one is damaged

    first = call_cli(capsys, "images", "thumbnails")
    assert first.returncode == 0, first.stderr
    assert "1 thumbnails made, 1 photos missing from storage, 1 unreadable" in first.stdout
    with session_scope() as session:
        row = session.get(UploadedImage, old.id)
        assert row is not None and row.file_path
        assert row.thumbnail_path == storage.photo_thumbnail_key(row.file_path)
        assert images.thumbnail_url_for(row) != images.url_for(row)
    with Image.open(store.path(row.thumbnail_path)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == images.THUMBNAIL_SIZE

    again = call_cli(capsys, "images", "thumbnails")
    assert "0 thumbnails made, 1 photos missing from storage, 1 unreadable" in again.stdout
