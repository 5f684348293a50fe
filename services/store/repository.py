"""Where enriched articles and stories are kept: the repository contract and its SQLite and
PostgreSQL forms.

Nothing here knows about Redis; the service's app hands batches of validated events in.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, Self

import aiosqlite
import anyio
import asyncpg

from services.store.sql import (
    POSTGRES,
    SQLITE,
    ArticleRow,
    Dialect,
    StoryRow,
    article_from_payload,
    article_row,
    merge_row,
    statements,
    story_from_payload,
    story_row,
)
from shared.schemas import EnrichedArticle, StoryEvent

Row = ArticleRow | StoryRow | tuple[str, ...]

# Serialises schema creation across store replicas starting together: concurrent
# CREATE TABLE IF NOT EXISTS can still fail on PostgreSQL's catalog unique indexes.
_SCHEMA_LOCK_KEY = 0x6E65_7773_7769_7265  # "newswire"


class ArticleRepository(Protocol):
    """The store's persistence: enriched articles by id, written idempotently."""

    async def upsert_many(self, articles: Sequence[EnrichedArticle]) -> None:
        """Insert or replace each article by id, all in one transaction.

        A row is replaced by the same or a newer revision only; an older one is ignored.
        """
        ...

    async def ping(self) -> bool:
        """True when the database answers; raises when it cannot be reached."""
        ...

    async def count(self) -> int:
        """How many articles are stored."""
        ...

    async def get(self, article_id: str) -> EnrichedArticle | None:
        """The stored article with this id, or None."""
        ...

    async def list_articles(self, ids: Sequence[str] | None = None) -> list[EnrichedArticle]:
        """The stored articles among `ids` (all when None), in the order first stored."""
        ...

    async def apply_story_events(self, events: Sequence[StoryEvent]) -> None:
        """Keep each story's latest snapshot and who belongs to it, all in one transaction.

        A merge marks the absorbed stories and moves their members to the surviving one.
        Events may come in any order and more than once: the tables end the same (rows move
        only forward, by version and along merges).
        """
        ...

    async def list_stories(self, limit: int) -> list[StoryEvent]:
        """The latest snapshot of up to `limit` stories not merged away, newest first."""
        ...

    async def story_members(self, story_id: str) -> list[str]:
        """The ids of the articles the store holds as the story's members."""
        ...

    async def close(self) -> None:
        """Release the connection(s); the repository is unusable afterwards."""
        ...


class _SqlArticleRepository(ABC):
    """The repository logic both SQL backends share; subclasses only talk to their driver."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._sql = statements(dialect)

    @abstractmethod
    async def _write(self, steps: Sequence[tuple[str, Sequence[Row]]]) -> None:
        """Run each step's `sql` once per row, in order, all in one transaction."""

    @abstractmethod
    async def _fetch_payloads(self, sql: str, *args: object) -> list[str]:
        """The first column of every row `sql` returns, as text."""

    @abstractmethod
    async def _fetch_int(self, sql: str) -> int:
        """The single integer `sql` returns."""

    async def upsert_many(self, articles: Sequence[EnrichedArticle]) -> None:
        """Insert or replace each article by id, all in one transaction (newer revisions win)."""
        if not articles:
            return
        now = datetime.now(UTC)
        await self._write([(self._sql.upsert, [article_row(a, now) for a in articles])])

    async def apply_story_events(self, events: Sequence[StoryEvent]) -> None:
        """See `ArticleRepository.apply_story_events`."""
        steps: list[tuple[str, Sequence[Row]]] = []
        for event in events:
            for gone in event.merged:
                steps.append((self._sql.mark_merged, [merge_row(event, gone)]))
                steps.append((self._sql.move_members, [(event.story_id, gone)]))
            steps.append((self._sql.upsert_story, [story_row(event)]))
            steps.append((self._sql.upsert_member, [(event.story_id, event.article_id)]))
        if steps:
            await self._write(steps)

    async def list_stories(self, limit: int) -> list[StoryEvent]:
        """See `ArticleRepository.list_stories`."""
        payloads = await self._fetch_payloads(self._sql.list_stories, limit)
        return [story_from_payload(p) for p in payloads]

    async def story_members(self, story_id: str) -> list[str]:
        """See `ArticleRepository.story_members`."""
        return await self._fetch_payloads(self._sql.story_members, story_id)

    async def count(self) -> int:
        """How many articles are stored."""
        return await self._fetch_int(self._sql.count)

    async def ping(self) -> bool:
        """True when the database answers; raises when it cannot be reached."""
        return await self._fetch_int(self._sql.ping) == 1

    async def get(self, article_id: str) -> EnrichedArticle | None:
        """The stored article with this id, or None."""
        payloads = await self._fetch_payloads(self._sql.get, article_id)
        return article_from_payload(payloads[0]) if payloads else None

    async def list_articles(self, ids: Sequence[str] | None = None) -> list[EnrichedArticle]:
        """The stored articles among `ids` (all when None), in the order first stored."""
        if isinstance(ids, str):
            msg = "ids must be a sequence of article ids, not one string"
            raise TypeError(msg)
        if ids is None:
            payloads = await self._fetch_payloads(self._sql.list_all)
        elif not ids:
            return []
        else:
            payloads = await self._fetch_payloads(
                self._sql.list_by_ids, self._dialect.bind_ids(ids)
            )
        return [article_from_payload(p) for p in payloads]


class SqliteArticleRepository(_SqlArticleRepository):
    """Articles in a SQLite file (WAL mode), through one aiosqlite connection."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        """Wrap an open connection in autocommit mode; prefer `open`."""
        super().__init__(SQLITE)
        self._connection = connection
        # One connection: without this, a read could see another task's open transaction and
        # two writers could share one.
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Self:
        """Open (creating the file, its directory and the table if needed) the store at `path`."""
        await anyio.to_thread.run_sync(lambda: path.parent.mkdir(parents=True, exist_ok=True))
        # Autocommit, so transactions are exactly the BEGIN IMMEDIATE … COMMIT written below.
        connection = await aiosqlite.connect(path, isolation_level=None)
        try:
            await connection.execute_fetchall("PRAGMA journal_mode=WAL")
            sql = statements(SQLITE)
            await connection.execute(sql.create_table)
            for statement in sql.create_story_tables:
                await connection.execute(statement)
            for table, column, add in sql.added_columns:
                query = SQLITE.has_column(table, column)
                (found,) = next(iter(await connection.execute_fetchall(query)))
                if not found:
                    await connection.execute(add)
        except BaseException:
            await connection.close()
            raise
        return cls(connection)

    async def _write(self, steps: Sequence[tuple[str, Sequence[Row]]]) -> None:
        async with self._lock:
            # IMMEDIATE takes the write lock up front: another process writing the same file
            # makes us wait (busy timeout) instead of failing when a read lock is upgraded.
            await self._connection.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in steps:
                    await self._connection.executemany(sql, rows)
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await self._connection.rollback()
                raise
            await self._connection.commit()

    async def _fetch_payloads(self, sql: str, *args: object) -> list[str]:
        async with self._lock:
            rows = await self._connection.execute_fetchall(sql, args)
        return [str(row[0]) for row in rows]

    async def _fetch_int(self, sql: str) -> int:
        async with self._lock:
            rows = list(await self._connection.execute_fetchall(sql))
        return int(rows[0][0])

    async def close(self) -> None:
        """Close the connection."""
        await self._connection.close()


class PostgresArticleRepository(_SqlArticleRepository):
    """Articles in PostgreSQL, through a small asyncpg connection pool."""

    def __init__(self, pool: asyncpg.Pool[asyncpg.Record]) -> None:
        """Wrap an open pool; prefer `open`."""
        super().__init__(POSTGRES)
        self._pool = pool

    @classmethod
    async def open(cls, dsn: str, *, min_size: int = 1, max_size: int = 4) -> Self:
        """Connect to `dsn` (postgresql:// or postgres://) and create the table if needed."""
        pool: asyncpg.Pool[asyncpg.Record] = await asyncpg.create_pool(
            dsn, min_size=min_size, max_size=max_size
        )
        try:
            async with pool.acquire() as connection, connection.transaction():
                await connection.execute("SELECT pg_advisory_xact_lock($1)", _SCHEMA_LOCK_KEY)
                sql = statements(POSTGRES)
                await connection.execute(sql.create_table)
                for statement in sql.create_story_tables:
                    await connection.execute(statement)
                for table, column, add in sql.added_columns:
                    if not await connection.fetchval(POSTGRES.has_column(table, column)):
                        await connection.execute(add)
        except BaseException:
            await pool.close()
            raise
        return cls(pool)

    async def _write(self, steps: Sequence[tuple[str, Sequence[Row]]]) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            for sql, rows in steps:
                await connection.executemany(sql, rows)

    async def _fetch_payloads(self, sql: str, *args: Any) -> list[str]:
        async with self._pool.acquire() as connection:
            records = await connection.fetch(sql, *args)
        return [str(record[0]) for record in records]

    async def _fetch_int(self, sql: str) -> int:
        async with self._pool.acquire() as connection:
            value = await connection.fetchval(sql)
        return int(value)

    async def close(self) -> None:
        """Close the pool, waiting for borrowed connections to come back."""
        await self._pool.close()
