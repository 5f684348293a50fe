"""Where enriched articles and stories are kept: the repository contract and its one SQL
implementation (SQLAlchemy Core, for SQLite and PostgreSQL alike).

Nothing here knows about Redis; the service's app hands batches of validated events in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol, Self

from sqlalchemy import Select, Text, bindparam, cast, delete, func, literal, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import ScalarSelect

from shared.db.engine import open_engine
from shared.db.migrate import upgrade
from shared.db.rows import (
    article_from_payload,
    article_index,
    article_row,
    merge_marker_row,
    story_from_payload,
    story_row,
)
from shared.db.tables import article_entities, article_topics, articles, stories, story_members
from shared.schemas import EnrichedArticle, StoryEvent

# How far a merge chain is followed: real chains are a few links long, and a bound keeps a
# corrupted (cyclic) chain from looping.
MAX_MERGE_CHAIN = 64
# Ids bound per IN list: well under SQLite's variable limit whatever the batch size.
_IDS_PER_STATEMENT = 500
# Kept from the first insert: when the article first reached the store.
_INSERT_ONLY = frozenset({"id", "stored_at"})


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


def _chunks(ids: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        yield ids[start : start + _IDS_PER_STATEMENT]


def _live_story(story_id: BindParameter[str]) -> ScalarSelect[str]:
    """The story `story_id` ended up in after every stored merge (itself when none)."""
    start = select(cast(story_id, Text).label("id"), literal(0).label("depth"))
    chain = start.cte("chain", recursive=True)
    link = stories.alias("link")
    chain = chain.union_all(
        select(link.c.merged_into, chain.c.depth + 1)
        .select_from(link.join(chain, link.c.id == chain.c.id))
        .where(link.c.merged_into.is_not(None), chain.c.depth < MAX_MERGE_CHAIN)
    )
    return select(chain.c.id).order_by(chain.c.depth.desc()).limit(1).scalar_subquery()


class _Statements:
    """Every write the repository runs, built once per dialect (so compiled once)."""

    def __init__(self, dialect: str) -> None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

        article = insert(articles)
        # A redelivered older revision must not overwrite a newer one; the same revision again
        # (a redelivery, a re-enrichment) replaces the row, so retries converge.
        self.upsert_article: Insert = article.on_conflict_do_update(
            index_elements=[articles.c.id],
            set_={
                c.name: article.excluded[c.name] for c in articles.c if c.name not in _INSERT_ONLY
            },
            where=article.excluded.revision >= articles.c.revision,
        )
        self.insert_entities: Insert = insert(article_entities)
        self.insert_topics: Insert = insert(article_topics)

        # Events are snapshots: an older one arriving late (a redelivery) changes nothing, and
        # of two snapshots of one version (a re-emission) the later emitted is kept. The upsert
        # never names `merged_into`, so a merged story stays merged.
        story = insert(stories)
        newer = (story.excluded.version > stories.c.version) | (
            (story.excluded.version == stories.c.version)
            & (story.excluded.emitted_at >= func.coalesce(stories.c.emitted_at, ""))
        )
        self.upsert_story: Insert = story.on_conflict_do_update(
            index_elements=[stories.c.id],
            set_={c: story.excluded[c] for c in _STORY_SNAPSHOT},
            where=newer,
        )
        marker = insert(stories)
        self.mark_merged: Insert = marker.on_conflict_do_update(
            index_elements=[stories.c.id], set_={"merged_into": marker.excluded.merged_into}
        )
        self.move_members = (
            update(story_members)
            .where(story_members.c.story_id == bindparam("absorbed"))
            .values(story_id=_live_story(bindparam("survivor", type_=Text)))
        )
        member = insert(story_members).from_select(
            ["article_id", "story_id"],
            # WHERE true: SQLite's parser needs a WHERE before an upsert's ON CONFLICT.
            select(
                bindparam("article", type_=Text), _live_story(bindparam("story", type_=Text))
            ).where(true()),
        )
        self.upsert_member: Insert = member.on_conflict_do_update(
            index_elements=[story_members.c.article_id],
            set_={"story_id": member.excluded.story_id},
        )


_STORY_SNAPSHOT = (
    "version",
    "title",
    "first_seen",
    "last_seen",
    "member_count",
    "payload",
    "emitted_at",
    "source_count",
)


class SqlArticleRepository:
    """The store's tables in SQLite or PostgreSQL, through one SQLAlchemy async engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Wrap an engine whose database is already upgraded; prefer `open`."""
        self._engine = engine
        self._sql = _Statements(engine.dialect.name)

    @classmethod
    async def open(cls, database_url: str) -> Self:
        """Open the database `database_url` names, creating or upgrading its tables."""
        engine = await open_engine(database_url, writer=True)
        try:
            await upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    async def upsert_many(self, articles_in: Sequence[EnrichedArticle]) -> None:
        """Insert or replace each article by id, all in one transaction (newer revisions win).

        An article's entity and topic rows are replaced whenever its row took the event.
        """
        if not articles_in:
            return
        now = datetime.now(UTC)
        # The same id twice in a batch: the later wins, as it would arriving later.
        latest = {article.id: article for article in articles_in}
        async with self._engine.begin() as connection:
            await connection.execute(
                self._sql.upsert_article, [article_row(a, now) for a in articles_in]
            )
            taken = await self._taken(connection, latest)
            if not taken:
                return
            ids = [article.id for article in taken]
            for chunk in _chunks(ids):
                for table in (article_entities, article_topics):
                    await connection.execute(delete(table).where(table.c.article_id.in_(chunk)))
            indexes = [article_index(article) for article in taken]
            entity_rows = [row for index in indexes for row in index.entities]
            topic_rows = [row for index in indexes for row in index.topics]
            if entity_rows:
                await connection.execute(self._sql.insert_entities, entity_rows)
            if topic_rows:
                await connection.execute(self._sql.insert_topics, topic_rows)

    @staticmethod
    async def _taken(
        connection: AsyncConnection, latest: dict[str, EnrichedArticle]
    ) -> list[EnrichedArticle]:
        """The articles whose revision is the one now stored (their row took the event)."""
        stored: dict[str, int] = {}
        for chunk in _chunks(list(latest)):
            query = select(articles.c.id, articles.c.revision).where(articles.c.id.in_(chunk))
            stored.update((row.id, row.revision) for row in await connection.execute(query))
        return [a for a in latest.values() if stored.get(a.id) == a.revision]

    async def apply_story_events(self, events: Sequence[StoryEvent]) -> None:
        """See `ArticleRepository.apply_story_events`."""
        if not events:
            return
        async with self._engine.begin() as connection:
            for event in events:
                for gone in event.merged:
                    await connection.execute(self._sql.mark_merged, merge_marker_row(event, gone))
                    await connection.execute(
                        self._sql.move_members, {"survivor": event.story_id, "absorbed": gone}
                    )
                await connection.execute(self._sql.upsert_story, story_row(event))
                await connection.execute(
                    self._sql.upsert_member, {"story": event.story_id, "article": event.article_id}
                )

    async def list_stories(self, limit: int) -> list[StoryEvent]:
        """See `ArticleRepository.list_stories`."""
        query = (
            select(stories.c.payload)
            .where(stories.c.merged_into.is_(None))
            .order_by(stories.c.last_seen.desc(), stories.c.id)
            .limit(limit)
        )
        return [story_from_payload(p) for p in await self._column(query)]

    async def story_members(self, story_id: str) -> list[str]:
        """See `ArticleRepository.story_members`."""
        query = (
            select(story_members.c.article_id)
            .where(story_members.c.story_id == story_id)
            .order_by(story_members.c.article_id)
        )
        return await self._column(query)

    async def count(self) -> int:
        """How many articles are stored."""
        async with self._engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(articles)) or 0)

    async def ping(self) -> bool:
        """True when the database answers; raises when it cannot be reached."""
        async with self._engine.connect() as connection:
            return await connection.scalar(select(literal(1))) == 1

    async def get(self, article_id: str) -> EnrichedArticle | None:
        """The stored article with this id, or None."""
        payloads = await self._column(select(articles.c.payload).where(articles.c.id == article_id))
        return article_from_payload(payloads[0]) if payloads else None

    async def list_articles(self, ids: Sequence[str] | None = None) -> list[EnrichedArticle]:
        """The stored articles among `ids` (all when None), in the order first stored."""
        if isinstance(ids, str):
            msg = "ids must be a sequence of article ids, not one string"
            raise TypeError(msg)
        query = select(articles.c.stored_at, articles.c.id, articles.c.payload)
        rows: list[Any] = []
        async with self._engine.connect() as connection:
            if ids is None:
                rows.extend(await connection.execute(query))
            else:
                for chunk in _chunks(list(dict.fromkeys(ids))):
                    rows.extend(await connection.execute(query.where(articles.c.id.in_(chunk))))
        rows.sort(key=lambda row: (row.stored_at, row.id))
        return [article_from_payload(row.payload) for row in rows]

    async def _column(self, query: Select[tuple[str]]) -> list[str]:
        async with self._engine.connect() as connection:
            return [str(value) for value in await connection.scalars(query)]

    async def close(self) -> None:
        """Close every connection; the repository is unusable afterwards."""
        await self._engine.dispose()
