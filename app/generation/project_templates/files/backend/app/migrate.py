"""Bringing a database's tables up to date with the migrations under app/migrations/ (Alembic)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's settings without alembic.ini, so that the API finds its migrations from any folder. With a
    connection, the migrations run on it; otherwise on DATABASE_URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_database() -> None:
    command.upgrade(alembic_config(), "head")
