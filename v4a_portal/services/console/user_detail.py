"""One customer as staff see them (users.view): profile, and the tabs of the detail page —
credit ledger (credits.view), photos, scripts with their lineage, sign-ins. Their clips come
from `video_search` filtered by user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import bindparam, func, select
from sqlmodel import Session, col

from v4a_portal.db import read_scope, session_scope
from v4a_portal.models import (
    CreditLedger,
    GeneratedScript,
    RefreshToken,
    UploadedImage,
    User,
    Video,
    WebSession,
    utcnow,
)
from v4a_portal.services import accounts, images, paging, permissions
from v4a_portal.services.console.context import StaffContext
from v4a_portal.services.errors import NotFound

PERMISSION = "users.view"
T = TypeVar("T")
LEDGER_PERMISSION = "credits.view"
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Profile:
    id: int
    email: str
    name: str
    picture: str
    role: str
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None
    credits: int | None  # None for staff who may not see money (credits.view)
    is_subscriber: bool
    subscription_plan: str
    subscription_status: str
    photos: int
    scripts: int
    videos: int


@dataclass(slots=True)  # not frozen: frozen costs several times more per row built
class LedgerLine:
    id: int
    delta: int
    balance_after: int
    kind: str
    reference: str  # what it paid for: "video:12", "batch:…", "image:3", "user:5", …
    note: str
    actor_id: int | None  # the staff member behind a staff adjustment
    actor_email: str
    created_at: datetime


@dataclass(frozen=True)
class PhotoLine:
    id: int
    thumbnail_url: str
    url: str
    filename: str
    width: int | None
    height: int | None
    size: int | None
    created_at: datetime
    scripts: int
    videos: int


@dataclass(frozen=True)
class ScriptLine:
    id: int
    product: str
    writer: str
    credits_used: int
    image_id: int | None  # the photo it was written for
    parent_script_id: int | None  # the script it regenerates
    excerpt: str
    videos: int
    created_at: datetime


@dataclass(frozen=True)
class SignInLine:
    """A browser session or an API refresh-token family."""

    kind: str  # "browser" | "api"
    id: str  # session id, or the token family
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
    active: bool
    tokens: int  # refresh tokens issued in the family (1 for a browser session)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _bounds(page: int, per_page: int) -> tuple[int, int]:
    return max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)


def _count(session: Session, model: Any, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(model).where(model.user_id == user_id)
        ).scalar_one()
    )


_users = User.__table__.c
_entries = CreditLedger.__table__.c
_actor = User.__table__.alias("actor")


def _count_of(model: Any) -> Any:
    table = model.__table__
    return (
        select(func.count())
        .select_from(table)
        .where(table.c.user_id == bindparam("user_id"))
        .scalar_subquery()
    )


# Built once (Core columns, the counts as subqueries): the profile is one statement.
_PROFILE = select(
    _users.id,
    _users.email,
    _users.name,
    _users.picture,
    _users.role,
    _users.disabled,
    _users.created_at,
    _users.last_login_at,
    _users.credits,
    _users.is_subscriber,
    _users.subscription_plan,
    _users.subscription_status,
    _count_of(UploadedImage).label("photos"),
    _count_of(GeneratedScript).label("scripts"),
    _count_of(Video).label("videos"),
).where(_users.id == bindparam("user_id"))

_LEDGER = paging.paged(
    select(
        _entries.id,
        _entries.delta,
        _entries.balance_after,
        _entries.kind,
        _entries.reference,
        _entries.note,
        _entries.actor_id,
        _actor.c.email.label("actor_email"),
        _entries.created_at,
    )
    .select_from(CreditLedger.__table__.outerjoin(_actor, _actor.c.id == _entries.actor_id))
    .where(_entries.user_id == bindparam("user_id"))
    .order_by(_entries.id.desc())
)
_EXISTS = select(_users.id).where(_users.id == bindparam("user_id"))
_LEDGER_COUNT = (
    select(func.count())
    .select_from(CreditLedger.__table__)
    .where(_entries.user_id == bindparam("user_id"))
)


def profile(ctx: StaffContext, user_id: int) -> Profile:
    permissions.require(ctx.actor, PERMISSION)
    with read_scope() as conn:
        user = conn.execute(_PROFILE, {"user_id": user_id}).first()
    if user is None:
        raise NotFound("No such user.")
    return Profile(
        id=user.id,
        email=user.email,
        name=user.name or "",
        picture=user.picture or "",
        role=user.role,
        disabled=user.disabled,
        created_at=_aware(user.created_at) or utcnow(),
        last_login_at=_aware(user.last_login_at),
        credits=user.credits if permissions.can(ctx.actor, LEDGER_PERMISSION) else None,
        is_subscriber=user.is_subscriber,
        subscription_plan=user.subscription_plan or "",
        subscription_status=user.subscription_status or "",
        photos=int(user.photos),
        scripts=int(user.scripts),
        videos=int(user.videos),
    )


def ledger(
    ctx: StaffContext, user_id: int, *, page: int = 1, per_page: int = 20
) -> Page[LedgerLine]:
    """The user's credit ledger, newest first, with who made each staff adjustment."""
    permissions.require(ctx.actor, PERMISSION)
    permissions.require(ctx.actor, LEDGER_PERMISSION)
    page, per_page = _bounds(page, per_page)
    params = {"user_id": user_id}
    with read_scope() as conn:
        rows, total, _ = paging.page_rows(conn, _LEDGER, _LEDGER_COUNT, page, per_page, params)
        # A user with ledger rows exists; only an empty ledger asks.
        if not total and conn.execute(_EXISTS, params).first() is None:
            raise NotFound("No such user.")
    now = utcnow()
    # Rows in LedgerLine's field order (`_LEDGER`), unpacked as tuples: cheaper than nine
    # look-ups by name per row.
    items = [
        LedgerLine(id_, delta, after, kind, ref or "", note or "", actor, email or "",
                   _aware(at) or now)
        for id_, delta, after, kind, ref, note, actor, email, at in rows
    ]  # fmt: skip
    return Page(items, total, page, per_page)


def photos(
    ctx: StaffContext, user_id: int, *, page: int = 1, per_page: int = 24
) -> Page[PhotoLine]:
    permissions.require(ctx.actor, PERMISSION)
    page, per_page = _bounds(page, per_page)
    with session_scope() as session:
        accounts.get(session, user_id)
        total = _count(session, UploadedImage, user_id)
        rows = (
            session.execute(
                select(UploadedImage)
                .where(col(UploadedImage.user_id) == user_id)
                .order_by(col(UploadedImage.id).desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
            .scalars()
            .all()
        )
        ids = [r.id for r in rows]
        scripts_by = _per(session, GeneratedScript.image_id, ids)
        videos_by = _per(session, Video.image_id, ids)
    items = [
        PhotoLine(
            id=int(r.id or 0),
            thumbnail_url=images.thumbnail_url_for(r),
            url=images.url_for(r),
            filename=r.original_filename or f"Photo {r.id}",
            width=r.width,
            height=r.height,
            size=r.size,
            created_at=_aware(r.created_at) or utcnow(),
            scripts=scripts_by.get(r.id or 0, 0),
            videos=videos_by.get(r.id or 0, 0),
        )
        for r in rows
    ]
    return Page(items, total, page, per_page)


def _per(session: Session, column: Any, ids: list[int | None]) -> dict[int, int]:
    """How many rows point at each of `ids` through `column` (one GROUP BY)."""
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    column = col(column)
    found = session.execute(
        select(column, func.count()).where(column.in_(wanted)).group_by(column)
    ).all()
    return {int(key): int(n) for key, n in found}


def scripts(
    ctx: StaffContext, user_id: int, *, page: int = 1, per_page: int = 20
) -> Page[ScriptLine]:
    """The user's scripts, newest first, each with its photo and the script it regenerates."""
    permissions.require(ctx.actor, PERMISSION)
    page, per_page = _bounds(page, per_page)
    with session_scope() as session:
        accounts.get(session, user_id)
        total = _count(session, GeneratedScript, user_id)
        rows = (
            session.execute(
                select(GeneratedScript)
                .where(col(GeneratedScript.user_id) == user_id)
                .order_by(col(GeneratedScript.id).desc())
                .offset((page - 1) * per_page)
                .limit(per_page)
            )
            .scalars()
            .all()
        )
        videos_by = _per(session, Video.script_id, [r.id for r in rows])
    items = [
        ScriptLine(
            id=int(r.id or 0),
            product=r.product or "",
            writer=r.writer or "",
            credits_used=r.credits_used,
            image_id=r.image_id,
            parent_script_id=r.parent_script_id,
            excerpt=" ".join(r.script_text.split())[:160],
            videos=videos_by.get(r.id or 0, 0),
            created_at=_aware(r.created_at) or utcnow(),
        )
        for r in rows
    ]
    return Page(items, total, page, per_page)


def sign_ins(ctx: StaffContext, user_id: int, *, limit: int = 50) -> list[SignInLine]:
    """Browser sessions and API refresh-token families, newest first (no token values)."""
    permissions.require(ctx.actor, PERMISSION)
    now = utcnow()
    with session_scope() as session:
        accounts.get(session, user_id)
        browsers = (
            session.execute(
                select(WebSession)
                .where(col(WebSession.user_id) == user_id)
                .order_by(col(WebSession.id).desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        families = session.execute(
            select(
                col(RefreshToken.family_id),
                func.min(col(RefreshToken.created_at)),
                func.max(col(RefreshToken.used_at)),
                func.max(col(RefreshToken.expires_at)),
                func.max(col(RefreshToken.revoked_at)),
                func.count(),
                func.count(col(RefreshToken.revoked_at)),
            )
            .where(col(RefreshToken.user_id) == user_id)
            .group_by(col(RefreshToken.family_id))
            .order_by(func.min(col(RefreshToken.created_at)).desc())
            .limit(limit)
        ).all()
    found = [
        SignInLine(
            kind="browser",
            id=str(s.id),
            created_at=_aware(s.created_at) or now,
            last_used_at=None,
            expires_at=_aware(s.expires_at) or now,
            revoked_at=_aware(s.revoked_at),
            active=s.revoked_at is None and (_aware(s.expires_at) or now) > now,
            tokens=1,
        )
        for s in browsers
    ]
    for family, created, used, expires, revoked, issued, revoked_count in families:
        ends = _aware(expires) or now
        found.append(
            SignInLine(
                kind="api",
                id=str(family),
                created_at=_aware(created) or now,
                last_used_at=_aware(used),
                expires_at=ends,
                # A family lives while one of its tokens is neither revoked nor expired.
                revoked_at=_aware(revoked) if revoked_count == issued else None,
                active=revoked_count < issued and ends > now,
                tokens=int(issued),
            )
        )
    return sorted(found, key=lambda s: s.created_at, reverse=True)
