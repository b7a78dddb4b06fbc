"""Run Alembic from code (the CLI, `make`, and tests use the same path)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from v4a_portal.settings import ROOT


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    return config


def upgrade(revision: str = "head") -> None:
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str = "base") -> None:
    command.downgrade(alembic_config(), revision)
