"""Configuration from the environment and `.env`; defaults give the embedded mode."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ROOT / ".env", extra="ignore")

    # Where the portal is reached; used for OAuth redirects and cookie security.
    public_url: str = Field("http://127.0.0.1:8000", alias="V4A_PUBLIC_URL")
    # Empty: a random key kept in the data folder (services/signing_key.py).
    secret_key: str = Field("", alias="V4A_SECRET_KEY")
    # Other origins (scheme://host[:port]) whose pages may call the API with the user's cookie.
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="V4A_ALLOWED_ORIGINS"
    )
    data_dir: Path = Field(ROOT / "data", alias="V4A_DATA_DIR")

    database_url: str = Field("", alias="DATABASE_URL")
    redis_url: str = Field("redis://127.0.0.1:6379/0", alias="REDIS_URL")

    # OpenID Connect: Google in production, the local mock provider in dev and tests.
    oidc_discovery_url: str = Field(
        "http://127.0.0.1:9400/.well-known/openid-configuration", alias="V4A_OIDC_DISCOVERY_URL"
    )
    oidc_client_id: str = Field("v4a-portal-dev", alias="V4A_OIDC_CLIENT_ID")
    oidc_client_secret: str = Field("v4a-portal-dev-secret", alias="V4A_OIDC_CLIENT_SECRET")

    admin_emails: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="V4A_ADMIN_EMAILS"
    )

    access_token_minutes: int = Field(15, alias="V4A_ACCESS_TOKEN_MINUTES")
    refresh_token_days: int = Field(30, alias="V4A_REFRESH_TOKEN_DAYS")
    session_days: int = Field(14, alias="V4A_SESSION_DAYS")

    signup_bonus: int = Field(50, alias="V4A_SIGNUP_BONUS")
    daily_bonus: int = Field(10, alias="V4A_DAILY_BONUS")
    daily_bonus_hours: int = Field(24, alias="V4A_DAILY_BONUS_HOURS")
    script_credits: int = Field(10, alias="V4A_SCRIPT_CREDITS")
    # A script debit with neither a stored script nor a refund this long after the request
    # (the request died mid-way) is refunded by the maintenance sweep. Keep it well above
    # the writer's longest run (OpenAI timeout x retries).
    script_orphan_minutes: int = Field(15, alias="V4A_SCRIPT_ORPHAN_MINUTES", ge=1)
    # Staff credit adjustments by support (admins have no limit): credits per action, and
    # the sum of |delta| per staff member per UTC day.
    support_adjust_limit: int = Field(500, alias="V4A_SUPPORT_ADJUST_LIMIT", ge=0)
    support_daily_limit: int = Field(2000, alias="V4A_SUPPORT_DAILY_LIMIT", ge=0)

    # Script writer: "auto" uses OpenAI when a key is set, else the local writer.
    script_writer: str = Field("auto", alias="V4A_SCRIPT_WRITER", pattern="^(auto|local|openai)$")
    openai_api_key: str = Field("", alias="OPENAI_API_KEY")
    openai_base_url: str = Field("", alias="OPENAI_BASE_URL")
    script_model: str = Field("gpt-4o", alias="V4A_SCRIPT_MODEL")
    openai_timeout_seconds: float = Field(60.0, alias="V4A_OPENAI_TIMEOUT")
    openai_max_retries: int = Field(2, alias="V4A_OPENAI_MAX_RETRIES")

    # Media storage: "local" keeps files under data_dir/media, served by the web process at
    # /media; "gcs" puts them in a bucket (credentials: Application Default Credentials).
    storage_backend: str = Field("local", alias="V4A_STORAGE_BACKEND", pattern="^(local|gcs)$")
    gcs_bucket_name: str = Field("", alias="GCS_BUCKET_NAME")
    gcs_project: str = Field("", alias="GOOGLE_CLOUD_PROJECT")
    # Public URLs need a bucket readable by allUsers; signed URLs work on a private bucket.
    gcs_signed_urls: bool = Field(False, alias="V4A_GCS_SIGNED_URLS")
    gcs_signed_url_minutes: int = Field(60, alias="V4A_GCS_SIGNED_URL_MINUTES", ge=1, le=10080)
    # Where public object URLs point: GCS itself, a CDN in front of the bucket, or an emulator.
    gcs_public_base_url: str = Field(
        "https://storage.googleapis.com", alias="V4A_GCS_PUBLIC_BASE_URL"
    )
    # Files larger than one chunk go up as resumable uploads, one chunk in memory at a time.
    gcs_chunk_kib: int = Field(8192, alias="V4A_GCS_CHUNK_KIB", ge=256, multiple_of=256)

    # Product photo uploads.
    max_upload_mb: int = Field(10, alias="V4A_MAX_UPLOAD_MB", ge=1)
    max_image_megapixels: int = Field(40, alias="V4A_MAX_IMAGE_MEGAPIXELS", ge=1)

    # Video prices in credits per second of each clip (defaults: 10 standard, 30 pro, 1 draft).
    price_standard_per_second: int = Field(10, alias="V4A_PRICE_STANDARD_PER_SECOND", ge=0)
    price_pro_per_second: int = Field(30, alias="V4A_PRICE_PRO_PER_SECOND", ge=0)
    price_draft_per_second: int = Field(1, alias="V4A_PRICE_DRAFT_PER_SECOND", ge=0)
    max_clips_per_request: int = Field(9, alias="V4A_MAX_CLIPS", ge=1, le=50)
    # Veo on Vertex AI: on when a project is set (GOOGLE_CLOUD_PROJECT); base URL for tests.
    veo_enabled: bool | None = Field(None, alias="V4A_VEO_ENABLED")
    veo_location: str = Field("us-central1", alias="V4A_VEO_LOCATION")
    veo_base_url: str = Field("", alias="V4A_VEO_BASE_URL")
    # Empty: Application Default Credentials. A static OAuth token is for emulators.
    veo_access_token: str = Field("", alias="V4A_VEO_ACCESS_TOKEN")
    # gs://bucket/prefix makes Veo write videos there instead of returning them inline.
    veo_output_gcs_uri: str = Field("", alias="V4A_VEO_OUTPUT_GCS_URI")
    veo_generate_audio: bool = Field(True, alias="V4A_VEO_AUDIO")
    # Veo reports no progress: it is estimated against this typical generation time.
    veo_typical_seconds: float = Field(60.0, alias="V4A_VEO_TYPICAL_SECONDS", gt=0)
    veo_timeout_seconds: float = Field(60.0, alias="V4A_VEO_TIMEOUT", gt=0)
    # OpenAI Videos (Sora) was removed from OpenAI's API on 2026-09-24: off unless a
    # compatible endpoint is configured.
    sora_base_url: str = Field("", alias="V4A_SORA_BASE_URL")
    sora_api_key: str = Field("", alias="V4A_SORA_API_KEY")
    # A failed download is retried this many times in all; the paid generation never is.
    sora_download_attempts: int = Field(4, alias="V4A_SORA_DOWNLOAD_ATTEMPTS", ge=1)

    # Video jobs. A running clip holds a lease (a Redis lock) it renews; the maintenance
    # sweep treats a clip whose lease has lapsed as orphaned and enqueues it again.
    video_lease_seconds: int = Field(30, alias="V4A_VIDEO_LEASE_SECONDS", ge=1)
    video_poll_seconds: float = Field(2.0, alias="V4A_VIDEO_POLL_SECONDS", gt=0)
    # Transient provider errors: this many retries, backing off from the first delay x3.
    video_retries: int = Field(3, alias="V4A_VIDEO_RETRIES", ge=1)
    video_retry_seconds: int = Field(10, alias="V4A_VIDEO_RETRY_SECONDS", ge=0)
    # A clip whose job has run this often without finishing fails (crash loops end).
    video_max_attempts: int = Field(6, alias="V4A_VIDEO_MAX_ATTEMPTS", ge=1)
    # A clip not finished this long after the request fails and is refunded (at least 3x
    # its model's job timeout).
    video_deadline_minutes: int = Field(60, alias="V4A_VIDEO_DEADLINE_MINUTES", ge=1)
    maintenance_seconds: int = Field(60, alias="V4A_MAINTENANCE_SECONDS", ge=1)
    # Generations in flight per provider, shared by all workers (services/videos/
    # provider_slots.py): draft renders per machine (default: its cores), remote providers
    # per account (default: the provider's default concurrent-request quota).
    render_concurrency: int = Field(
        default_factory=lambda: os.cpu_count() or 1, alias="V4A_RENDER_CONCURRENCY", ge=1
    )
    veo_max_in_flight: int = Field(10, alias="V4A_VEO_MAX_IN_FLIGHT", ge=1)
    sora_max_in_flight: int = Field(10, alias="V4A_SORA_MAX_IN_FLIGHT", ge=1)
    # One worker's in-flight watcher (jobs/in_flight.py): threads for polls and finishing.
    in_flight_threads: int = Field(8, alias="V4A_IN_FLIGHT_THREADS", ge=1)
    sse_ping_seconds: int = Field(15, alias="V4A_SSE_PING_SECONDS", ge=1)
    # Ad-result figures (CTR, conversion rate) resting on fewer clips carry a warning.
    analytics_min_clips: int = Field(10, alias="V4A_ANALYTICS_MIN_CLIPS", ge=1)
    # The standard analytics windows are recomputed this often (a job the sweep enqueues).
    analytics_refresh_minutes: int = Field(15, alias="V4A_ANALYTICS_REFRESH_MINUTES", ge=1)

    # Billing (services/billing). No secret key: the portal talks to the local Stripe
    # stand-in (v4a_portal/stripe_standin) at `stripe_standin_url` and says "test mode".
    stripe_secret_key: str = Field("", alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: str = Field("whsec_v4a_standin_dev", alias="STRIPE_WEBHOOK_SECRET")
    stripe_mode: str = Field("test", alias="V4A_STRIPE_MODE", pattern="^(test|live)$")
    stripe_standin_url: str = Field("http://127.0.0.1:12111", alias="V4A_STRIPE_STANDIN_URL")
    # Stripe price ids per mode, product code → price id (JSON). Test mode falls back to
    # `price_v4a_<code>`, the ids the stand-in serves; live mode sells only what is listed.
    stripe_prices_test: dict[str, str] = Field(default_factory=dict, alias="V4A_STRIPE_PRICES_TEST")
    stripe_prices_live: dict[str, str] = Field(default_factory=dict, alias="V4A_STRIPE_PRICES_LIVE")
    # Credit packs as `credits=dollars` pairs; plans as `credits a month=dollars a month`.
    credit_packs: str = Field(
        "500=5,1200=10,3000=20",
        alias="V4A_CREDIT_PACKS",
        pattern=r"^\d+=\d+(\.\d\d)?(,\d+=\d+(\.\d\d)?)*$",
    )
    plan_basic: str = Field("1500=12", alias="V4A_PLAN_BASIC", pattern=r"^\d+=\d+(\.\d\d)?$")
    plan_pro: str = Field("5000=35", alias="V4A_PLAN_PRO", pattern=r"^\d+=\d+(\.\d\d)?$")

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        # Accept "a@x, b@y" as well as a JSON list.
        if isinstance(value, str) and not value.strip().startswith("["):
            return [e.strip().lower() for e in value.split(",") if e.strip()]
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @property
    def db_url(self) -> str:
        if self.database_url:
            # Heroku-style URLs and bare postgresql:// go through psycopg 3.
            url = self.database_url.replace("postgres://", "postgresql://", 1)
            if url.startswith("postgresql://"):
                url = url.replace("postgresql://", "postgresql+psycopg://", 1)
            return url
        return f"sqlite:///{self.data_dir / 'v4a.db'}"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


@lru_cache
def get_settings() -> Settings:
    return Settings()
