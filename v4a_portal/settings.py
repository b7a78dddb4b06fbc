"""Configuration from the environment and `.env`; defaults give the embedded mode."""

from __future__ import annotations

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
    secret_key: str = Field("dev-secret-change-me-0123456789abcdef", alias="V4A_SECRET_KEY")
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

    @field_validator("admin_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        # Accept "a@x, b@y" as well as a JSON list.
        if isinstance(value, str) and not value.strip().startswith("["):
            return [e.strip().lower() for e in value.split(",") if e.strip()]
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


@lru_cache
def get_settings() -> Settings:
    return Settings()
