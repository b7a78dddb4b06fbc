"""SQLModel tables. Seed tables keep their names and columns; times are aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    literal_column,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    customer = "customer"
    support = "support"
    analyst = "analyst"
    admin = "admin"


class LedgerKind(StrEnum):
    signup_bonus = "signup_bonus"
    daily_bonus = "daily_bonus"
    script = "script"
    video = "video"
    refund = "refund"
    purchase = "purchase"
    subscription_grant = "subscription_grant"
    staff_adjustment = "staff_adjustment"
    chargeback = "chargeback"


class VideoStatus(StrEnum):
    pending = "pending"
    processing = "processing"
    completed = "completed"
    failed = "failed"
    canceled = "canceled"


# A video in one of these still has (or is owed) an RQ job; the others never change again.
ACTIVE_STATUSES: tuple[str, ...] = (VideoStatus.pending.value, VideoStatus.processing.value)
FINAL_STATUSES: tuple[str, ...] = (
    VideoStatus.completed.value,
    VideoStatus.failed.value,
    VideoStatus.canceled.value,
)
# The endings that refund the video's credits (once: see services/videos/transitions.py).
REFUNDING_STATUSES: tuple[str, ...] = (VideoStatus.failed.value, VideoStatus.canceled.value)


class User(SQLModel, table=True):
    __tablename__ = "users"
    if TYPE_CHECKING:  # set by SQLModel at class creation, not declared by its stubs
        __table__: ClassVar[Table]
    __table_args__ = (
        CheckConstraint("credits >= 0", name="ck_users_credits_nonnegative"),
        # The staff users search matches a fragment anywhere (`lower(col) LIKE '%q%'`):
        # trigram indexes on PostgreSQL (migration 0007); SQLite scans.
        *(
            Index(
                f"ix_users_{name}_trgm",
                func.lower(literal_column(name)).label(f"{name}_lower"),
                postgresql_using="gin",
                postgresql_ops={f"{name}_lower": "gin_trgm_ops"},
            ).ddl_if(dialect="postgresql")
            for name in ("email", "name")
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    name: str | None = Field(default=None, max_length=200)
    picture: str | None = Field(default=None, max_length=1000)
    credits: int = Field(default=0)
    is_subscriber: bool = Field(default=False)
    subscription_expires_at: datetime | None = None
    # A timestamp, not a date: the daily bonus has a 24-hour cooldown.
    last_login_bonus_date: datetime | None = None
    stripe_customer_id: str | None = Field(default=None, max_length=100, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    role: str = Field(default=Role.customer.value, max_length=20, index=True)
    oidc_subject: str | None = Field(default=None, max_length=255, unique=True)
    subscription_plan: str | None = Field(default=None, max_length=40)
    subscription_status: str | None = Field(default=None, max_length=40)
    disabled: bool = Field(default=False)
    last_login_at: datetime | None = None


class UploadedImage(SQLModel, table=True):
    __tablename__ = "uploaded_images"
    # Unique: two uploads of the same bytes at once cannot both insert. Rows whose sha256
    # is NULL (duplicates from before the index, see migration 0003) are not compared.
    __table_args__ = (Index("ix_uploaded_images_user_sha", "user_id", "sha256", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    file_path: str = Field(max_length=500)
    storage_url: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    content_type: str | None = Field(default=None, max_length=50)
    width: int | None = None
    height: int | None = None
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    original_filename: str | None = Field(default=None, max_length=255)
    # Storage key of the small JPEG grids show; None for photos stored before thumbnails.
    thumbnail_path: str | None = Field(default=None, max_length=500)


class GeneratedScript(SQLModel, table=True):
    __tablename__ = "generated_scripts"
    if TYPE_CHECKING:  # set by SQLModel at class creation, not declared by its stubs
        __table__: ClassVar[Table]

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    image_id: int | None = Field(
        default=None, foreign_key="uploaded_images.id", ondelete="SET NULL", index=True
    )
    script_text: str = Field(sa_column=Column(Text, nullable=False))
    credits_used: int = Field(default=10)
    created_at: datetime = Field(default_factory=utcnow)
    product: str | None = Field(default=None, max_length=200)
    audience: str | None = Field(default=None, max_length=200)
    tone: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=20)
    target_duration: int | None = None
    writer: str | None = Field(default=None, max_length=60)
    parent_script_id: int | None = Field(
        default=None, foreign_key="generated_scripts.id", ondelete="SET NULL", index=True
    )
    # The idempotency key of the debit that paid for this script: unique, so one debit
    # pays for one script, and the orphan sweep can tell a paid-for debit from a lost one.
    # None on free and older rows.
    charge_key: str | None = Field(default=None, max_length=200, unique=True, index=True)


class Video(SQLModel, table=True):
    __tablename__ = "videos"
    if TYPE_CHECKING:  # set by SQLModel at class creation, not declared by its stubs
        __table__: ClassVar[Table]
    __table_args__ = (
        Index("ix_videos_status_created", "status", "created_at"),
        # The console's clips page: every clip, newest first.
        Index("ix_videos_created_at", "created_at"),
        # Unique: a video is retried by staff at most once (a retry that fails is retried
        # in turn), so a double click, a replayed bulk retry or two staff at once cannot
        # make two. NULLs (videos that are no retry) never collide.
        Index("ix_videos_retry_of_id", "retry_of_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    image_id: int | None = Field(
        default=None, foreign_key="uploaded_images.id", ondelete="SET NULL", index=True
    )
    script_id: int | None = Field(
        default=None, foreign_key="generated_scripts.id", ondelete="SET NULL", index=True
    )
    prompt: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default=VideoStatus.pending.value, max_length=20)
    file_path: str | None = Field(default=None, max_length=500)
    video_url: str | None = Field(default=None, max_length=1000)
    model: str = Field(max_length=60)
    duration: int
    credits_used: int = Field(default=0)
    # The current RQ job's id, in the seed's column (its Celery task id in the seed).
    rq_job_id: str | None = Field(
        default=None, sa_column=Column("celery_task_id", String(100), key="rq_job_id")
    )
    error_message: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None
    progress: int = Field(default=0)
    size: str | None = Field(default=None, max_length=20)
    provider: str | None = Field(default=None, max_length=40)
    provider_job_id: str | None = Field(default=None, max_length=200)
    batch_id: str | None = Field(default=None, max_length=64, index=True)
    attempts: int = Field(default=0)
    error_code: str | None = Field(default=None, max_length=60)
    thumbnail_url: str | None = Field(default=None, max_length=1000)
    refunded_at: datetime | None = None
    # A staff retry: the failed or canceled video it repeats.
    retry_of_id: int | None = Field(default=None, foreign_key="videos.id", ondelete="SET NULL")
    # A staff retry the customer was not charged for (credits_used is then 0, so a failure
    # refunds nothing).
    charge_waived: bool = Field(default=False)


class CreditLedger(SQLModel, table=True):
    """One immutable row per balance change; the sum of deltas is the balance."""

    __tablename__ = "credit_ledger"
    if TYPE_CHECKING:  # set by SQLModel at class creation, not declared by its stubs
        __table__: ClassVar[Table]
    __table_args__ = (
        Index("ix_credit_ledger_user_id_id", "user_id", "id"),
        # A staff member's adjustments today, summed for the support daily limit.
        Index("ix_credit_ledger_actor_created", "actor_id", "created_at"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    delta: int
    balance_after: int
    kind: str = Field(max_length=30)
    reference: str | None = Field(default=None, max_length=200)
    idempotency_key: str = Field(max_length=200, unique=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class Payment(SQLModel, table=True):
    __tablename__ = "payments"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    stripe_checkout_session_id: str | None = Field(default=None, max_length=255, unique=True)
    stripe_payment_intent_id: str | None = Field(default=None, max_length=255, index=True)
    stripe_invoice_id: str | None = Field(default=None, max_length=255, unique=True)
    product_code: str = Field(max_length=60)
    amount_cents: int
    currency: str = Field(default="usd", max_length=10)
    credits: int = Field(default=0)
    status: str = Field(default="pending", max_length=30)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Billing (services/billing): a row per charge, refund and dispute (`kind`); refunds
    # and disputes point at the charge they take back from (`parent_id`).
    kind: str = Field(default="charge", max_length=20)
    parent_id: int | None = Field(
        default=None, foreign_key="payments.id", ondelete="CASCADE", index=True
    )
    stripe_charge_id: str | None = Field(default=None, max_length=255, index=True)
    stripe_refund_id: str | None = Field(default=None, max_length=255, unique=True)
    stripe_dispute_id: str | None = Field(default=None, max_length=255, unique=True)
    stripe_subscription_id: str | None = Field(default=None, max_length=255)
    amount_refunded_cents: int = Field(default=0)
    credits_clawed_back: int = Field(default=0)
    # Credits a refund or dispute should have taken back but could not (already spent).
    credits_shortfall: int = Field(default=0)
    receipt_url: str | None = Field(default=None, max_length=1000)


class StripeEvent(SQLModel, table=True):
    __tablename__ = "stripe_events"

    id: str = Field(primary_key=True, max_length=255)
    type: str = Field(max_length=100)
    processed_at: datetime = Field(default_factory=utcnow)


class RefreshToken(SQLModel, table=True):
    """API refresh tokens: stored hashed, rotated on use, one family per sign-in."""

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    family_id: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """Browser sessions behind the HttpOnly cookie; revocable server-side."""

    __tablename__ = "web_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class AuditLog(SQLModel, table=True):
    """Every staff action, append-only: rows are added with the change they record and
    never updated or deleted. Read newest first by id (keyset), optionally filtered."""

    __tablename__ = "audit_log"
    if TYPE_CHECKING:
        __table__: ClassVar[Table]
    __table_args__ = (
        Index("ix_audit_log_actor_id_id", "actor_id", "id"),
        Index("ix_audit_log_action_id", "action", "id"),
        Index("ix_audit_log_target_user_id_id", "target_user_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    action: str = Field(max_length=60)
    target_type: str = Field(max_length=40)
    target_id: str | None = Field(default=None, max_length=60)
    # The customer or staff member the action concerns (a video's owner for video actions).
    target_user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))
    reason: str | None = Field(default=None, max_length=500)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class Subscription(SQLModel, table=True):
    """A Stripe subscription as its newest applied event describes it; the user's
    subscription fields are copied from the one that is theirs now."""

    __tablename__ = "subscriptions"

    id: str = Field(primary_key=True, max_length=255)  # Stripe's sub_...
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    plan: str | None = Field(default=None, max_length=40)
    status: str = Field(max_length=40)
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = Field(default=False)
    ended_at: datetime | None = None
    # `created` (unix seconds) of the newest event applied: an older one changes nothing.
    event_created: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class VideoDownload(SQLModel, table=True):
    """One row per download of a finished clip: a downloaded clip is one its owner kept."""

    __tablename__ = "video_downloads"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    video_id: int = Field(foreign_key="videos.id", ondelete="CASCADE", index=True)
    # Who asked, when known (the media route serves files without a session).
    user_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    source: str = Field(default="media", max_length=20)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class AdResult(SQLModel, table=True):
    """What a clip did as an ad on an ad platform on one day, imported by analysts."""

    __tablename__ = "ad_results"
    # One row per (clip, day): a re-import replaces the figures instead of adding to them.
    __table_args__ = (Index("ix_ad_results_video_day", "video_id", "day", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    video_id: int = Field(foreign_key="videos.id", ondelete="CASCADE")
    day: date = Field(index=True)
    impressions: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    clicks: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    conversions: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # Cents: exact sums on every database.
    spend_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    imported_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    imported_at: datetime = Field(default_factory=utcnow)


# The analytics queries scan a time window of each table (services/analytics); the
# videos table has its created_at index already (Video.__table_args__).
# A download through the media route finds its clip by the stored file's key.
Index("ix_videos_file_path", Video.__table__.c.file_path)
Index("ix_generated_scripts_created_at", GeneratedScript.__table__.c.created_at)
Index("ix_uploaded_images_created_at", UploadedImage.__table__.c.created_at)  # type: ignore[attr-defined]
Index("ix_credit_ledger_created_at", CreditLedger.__table__.c.created_at)


class AnalyticsSnapshot(SQLModel, table=True):
    """A report precomputed by the maintenance job for a standard window (no filters):
    exact as of `computed_at`, served instead of the live queries while fresh."""

    __tablename__ = "analytics_snapshots"
    __table_args__ = (Index("ix_analytics_snapshots_report_query", "report", "query", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    report: str = Field(max_length=20)
    # The report's canonical query string (filters and options), e.g. "window=90d&by=tone".
    query: str = Field(max_length=500)
    computed_at: datetime = Field(default_factory=utcnow)
    seconds: float = Field(default=0.0)
    payload: str = Field(sa_column=Column(Text, nullable=False))
