"""From a DATABASE_URL to a SQLAlchemy async engine on the driver the project pins.

SQLite goes through aiosqlite, PostgreSQL through asyncpg. Payload columns are JSON text
that the code writes and reads itself, so the engine passes them through as text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.database_url import parse_database_url

# How long a SQLite writer waits for another process's write lock before failing (seconds).
SQLITE_BUSY_TIMEOUT = 30.0


def _as_text(value: Any) -> str:
    # Payloads arrive already serialised (pydantic's JSON); anything else is dumped.
    return value if isinstance(value, str) else json.dumps(value)


def _unchanged(value: str) -> str:
    return value


def engine_url(database_url: str) -> URL:
    """The SQLAlchemy URL, with its async driver, of a `sqlite:///…` or PostgreSQL URL."""
    target = parse_database_url(database_url)
    if target.backend == "sqlite":
        return URL.create("sqlite+aiosqlite", database=target.location)
    return make_url(target.location).set(drivername="postgresql+asyncpg")


async def open_engine(
    database_url: str, *, writer: bool = False, pool_size: int = 4
) -> AsyncEngine:
    """An engine on `database_url` (SQLite's file and folder are created if missing).

    A `writer` engine starts SQLite transactions with BEGIN IMMEDIATE, so two processes
    writing one file wait for each other instead of failing when a read lock is upgraded;
    readers start plain (deferred) transactions and never block writers (WAL).
    """
    url = engine_url(database_url)
    if url.get_backend_name() != "sqlite":
        # A reader's best plan depends on the values (a rare word or entity is read through
        # its index, a common one along the time order): PostgreSQL must not settle on one
        # generic plan for a prepared statement after a few runs, as it otherwise may.
        settings = {} if writer else {"plan_cache_mode": "force_custom_plan"}
        return create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=0,
            pool_pre_ping=True,
            json_serializer=_as_text,
            json_deserializer=_unchanged,
            connect_args={"server_settings": settings},
        )
    path = Path(url.database or "")
    await anyio.to_thread.run_sync(lambda: path.parent.mkdir(parents=True, exist_ok=True))
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT},
    )
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off so that `begin` below decides
        # how each transaction starts (SQLAlchemy's documented recipe for pysqlite/aiosqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine
