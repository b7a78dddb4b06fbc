"""Copy the local media folder to the bucket and point stored URLs at it.

Safe to stop and run again: every object appears in the bucket only once fully uploaded,
files already there (same size and MD5) are skipped, and a URL is rewritten only when it
still points at the local route and its file is in the bucket.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from v4a_portal.models import UploadedImage, Video
from v4a_portal.services.storage.base import Storage
from v4a_portal.services.storage.keys import content_type_for
from v4a_portal.services.storage.local import LocalStorage

# (table, column) pairs holding media URLs. Photo thumbnails are kept by key only
# (uploaded_images.thumbnail_path), their URLs made when needed: copying them is enough.
URL_COLUMNS = (
    (UploadedImage, "storage_url"),
    (Video, "video_url"),
    (Video, "thumbnail_url"),
)


@dataclass
class Report:
    copied: list[str] = field(default_factory=list)
    skipped: int = 0
    in_bucket: set[str] = field(default_factory=set)  # every local key, now in the bucket
    urls_rewritten: int = 0


def copy_files(source: LocalStorage, target: Storage, out: Callable[[str], None]) -> Report:
    report = Report()
    for key in source.all_keys():
        path = source.path(key)
        there = target.stat(key)
        if there and there.size == path.stat().st_size and there.md5 in (None, _md5(path)):
            report.skipped += 1
        else:
            target.put_file(key, path, content_type_for(key))
            report.copied.append(key)
            out(f"copied {key} ({path.stat().st_size:,} bytes)")
        report.in_bucket.add(key)
    return report


def rewrite_urls(
    session: Session,
    source: LocalStorage,
    target: Storage,
    in_bucket: set[str],
    out: Callable[[str], None],
) -> int:
    rewritten = 0
    for model, column in URL_COLUMNS:
        attr = getattr(model, column)
        for row in session.execute(select(model).where(attr.like("%/media/%"))).scalars():
            key = source.key_from_url(getattr(row, column))
            if key is None or key not in in_bucket:
                continue
            url = target.public_url(key)
            if url != getattr(row, column):  # e.g. a bucket named "media"
                setattr(row, column, url)
                rewritten += 1
                out(f"{model.__tablename__}.{column} #{row.id} -> {url}")
    session.flush()
    return rewritten


def run(
    session: Session, source: LocalStorage, target: Storage, out: Callable[[str], None] = print
) -> Report:
    report = copy_files(source, target, out)
    report.urls_rewritten = rewrite_urls(session, source, target, report.in_bucket, out)
    return report


def _md5(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()
