"""Bring a database to the newest schema with Alembic, from any earlier layout."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

# Serialises upgrades across replicas starting together (PostgreSQL advisory lock; SQLite's
# writer engine takes the file's write lock at BEGIN IMMEDIATE).
_MIGRATION_LOCK_KEY = 0x6E65_7773_7769_7265  # "newswire"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the migrations in this package, on `connection`."""
    config = Config()
    config.set_main_option("script_location", "shared.db:migrations")
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Run every migration `engine`'s database has not had yet, in one transaction."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(_upgrade)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def is_current(engine: AsyncEngine) -> bool:
    """Whether `engine`'s database has every migration (readers wait for the store's upgrade)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with engine.connect() as connection:
        return await connection.run_sync(_revision) == head
