"""The database layer on both real databases: migrations from today's tables and the query
index the read API relies on (entity/topic rows, article times, word search)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.store.database import open_repository
from shared.database_url import parse_database_url
from shared.db.engine import open_engine
from shared.db.migrate import is_current
from shared.db.search import has_words
from shared.db.tables import article_entities, article_topics, articles, stories
from shared.schemas import Entity, Mention, StoryEvent, Topic
from tests.helpers import enriched_article

pytestmark = pytest.mark.integration

HEAD = "0002"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = await open_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def _entity(name: str, label: str = "ORG") -> Entity:
    return Entity(
        text=name,
        label=label,
        count=1,
        salience=0.5,
        mentions=(Mention(field="text", start=0, end=1),),
    )


def _topic(code: str) -> Topic:
    return Topic(code=code, label=code, score=0.25, evidence=())


async def _rows(engine: AsyncEngine, query: object) -> list[tuple[object, ...]]:
    async with engine.connect() as connection:
        return [tuple(row) for row in await connection.execute(query)]  # type: ignore[call-overload]


async def _found(engine: AsyncEngine, words: str) -> list[str]:
    query = (
        select(articles.c.id).where(has_words(words, engine.dialect.name)).order_by(articles.c.id)
    )
    return [str(row[0]) for row in await _rows(engine, query)]


async def _store(database_url: str, *batches: Sequence[object]) -> None:
    repository = await open_repository(database_url)
    try:
        for batch in batches:
            await repository.upsert_many(batch)  # type: ignore[arg-type]
    finally:
        await repository.close()


# The tables as the last release before migrations made them (its own DDL, per dialect).
def _pre_migration_tables(payload_type: str) -> list[str]:
    return [
        f"""CREATE TABLE articles (id TEXT PRIMARY KEY, revision INTEGER NOT NULL DEFAULT 1,
            title TEXT, outlet TEXT, url TEXT, published_at TEXT, ingested_at TEXT NOT NULL,
            enriched_at TEXT NOT NULL, payload {payload_type} NOT NULL, stored_at TEXT NOT NULL,
            updated_at TEXT NOT NULL)""",
        f"""CREATE TABLE stories (id TEXT PRIMARY KEY, version INTEGER NOT NULL, title TEXT,
            first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, member_count INTEGER NOT NULL,
            payload {payload_type} NOT NULL, merged_into TEXT, emitted_at TEXT)""",
        "CREATE TABLE story_members (article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL)",
        "CREATE INDEX story_members_by_story ON story_members (story_id)",
        "CREATE INDEX stories_by_last_seen ON stories (last_seen)",
    ]


async def test_a_store_from_before_migrations_is_upgraded_in_place(database_url: str) -> None:
    article = enriched_article(
        "old-1",
        title="Harbour strike ends",
        text="Dockers in Antwerp returned to work on Monday.",
        published_at=datetime(2026, 2, 1, 8, tzinfo=UTC),
        entities=(_entity("Antwerp", "GPE"),),
        topics=(_topic("medtop:09000000"),),
        language="en",
    )
    story = StoryEvent(
        kind="created",
        story_id="story-old",
        article_id="old-1",
        version=1,
        title=article.title,
        first_seen=article.ingested_at,
        last_seen=article.ingested_at,
        member_count=1,
        members=("old-1",),
        sources=("Wire", "Other"),
        entities=(),
        emitted_at=article.ingested_at,
    )
    sqlite = parse_database_url(database_url).backend == "sqlite"
    engine = await open_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in _pre_migration_tables("TEXT" if sqlite else "JSONB"):
                await connection.execute(text(statement))
            await connection.execute(
                text(
                    "INSERT INTO articles (id, revision, title, outlet, url, published_at, "
                    "ingested_at, enriched_at, payload, stored_at, updated_at) VALUES "
                    "('old-1', 1, :title, NULL, NULL, '2026-02-01', '2026-03-01', '2026-03-01', "
                    f"{':payload' if sqlite else 'CAST(:payload AS JSONB)'}, 's', 'u')"
                ),
                {"title": article.title, "payload": article.model_dump_json()},
            )
            await connection.execute(
                text(
                    "INSERT INTO stories VALUES ('story-old', 1, 't', 'f', 'l', 1, "
                    f"{':payload' if sqlite else 'CAST(:payload AS JSONB)'}, NULL, 'e')"
                ),
                {"payload": story.model_dump_json()},
            )
        await _store(database_url)  # opening the repository migrates
        version = await _rows(engine, text("SELECT version_num FROM alembic_version"))
        assert version == [(HEAD,)]
        assert await _rows(engine, select(articles.c.seen_at, articles.c.language)) == [
            ("2026-02-01T08:00:00.000000+00:00", "en")
        ]
        assert await _rows(engine, select(article_entities.c.entity_key)) == [("GPE:antwerp",)]
        assert await _rows(engine, select(article_topics.c.topic_code)) == [("medtop:09000000",)]
        assert await _rows(engine, select(stories.c.source_count)) == [(2,)]
        assert await _found(engine, "antwerp dockers") == ["old-1"]
        assert await _found(engine, "harbour rotterdam") == []
    finally:
        await engine.dispose()


async def test_index_rows_follow_the_revision_the_store_keeps(
    database_url: str, engine: AsyncEngine
) -> None:
    first = enriched_article("a1", revision=2, entities=(_entity("NATO"),), topics=(_topic("t:1"),))
    older = enriched_article("a1", revision=1, entities=(_entity("OSCE"),), topics=(_topic("t:2"),))
    newer = enriched_article("a1", revision=3, entities=(_entity("OSCE"),), topics=())
    keys = select(article_entities.c.entity_key)
    codes = select(article_topics.c.topic_code)
    await _store(database_url, [first], [older])
    assert await _rows(engine, keys) == [("ORG:nato",)]
    assert await _rows(engine, codes) == [("t:1",)]
    await _store(database_url, [newer])
    assert await _rows(engine, keys) == [("ORG:osce",)]
    assert await _rows(engine, codes) == []


async def test_the_same_article_twice_in_a_batch_indexes_the_later(
    database_url: str, engine: AsyncEngine
) -> None:
    await _store(
        database_url,
        [
            enriched_article("a1", entities=(_entity("NATO"),)),
            enriched_article("a1", entities=(_entity("OSCE"),)),
        ],
    )
    assert await _rows(engine, select(article_entities.c.entity_key)) == [("ORG:osce",)]


async def test_search_needs_every_word_and_follows_new_revisions(
    database_url: str, engine: AsyncEngine
) -> None:
    await _store(
        database_url,
        [
            enriched_article("a1", title="Floods in Valencia", text="Rain fell all night."),
            enriched_article("a2", title="Budget vote", text="Parliament met in Valencia."),
        ],
    )
    assert await _found(engine, "valencia") == ["a1", "a2"]
    assert await _found(engine, "Valencia floods") == ["a1"]
    # Query syntax of either engine is just text here.
    assert await _found(engine, 'valencia" OR "budget') == []
    assert await _found(engine, "NOT valencia -- ;") == []
    assert await _found(engine, "!!!") == []
    await _store(
        database_url, [enriched_article("a1", revision=2, title="Floods recede", text="Dry.")]
    )
    assert await _found(engine, "valencia") == ["a2"]
    assert await _found(engine, "recede") == ["a1"]


async def test_sqlite_search_survives_vacuum(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    await _store(url, [enriched_article(f"a{n}", text=f"word{n} common") for n in range(5)])
    engine = await open_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM articles WHERE id IN ('a0', 'a2')"))
        async with engine.connect() as connection:
            await connection.execute(text("COMMIT"))
            await connection.execute(text("VACUUM"))
        await _store(url, [enriched_article("a3", revision=2, text="changed common")])
        assert await _found(engine, "common") == ["a1", "a3", "a4"]
        assert await _found(engine, "word3") == []
        assert await _found(engine, "changed") == ["a3"]
    finally:
        await engine.dispose()


async def test_replicas_opening_a_new_database_together_all_succeed(database_url: str) -> None:
    repositories = await asyncio.gather(*(open_repository(database_url) for _ in range(4)))
    try:
        await repositories[0].upsert_many([enriched_article("a1")])
        assert [await r.count() for r in repositories] == [1, 1, 1, 1]
    finally:
        for repository in repositories:
            await repository.close()


async def test_a_reader_sees_whether_the_store_has_upgraded_the_database(
    database_url: str, engine: AsyncEngine
) -> None:
    assert not await is_current(engine)
    await _store(database_url)
    assert await is_current(engine)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert not await is_current(engine)
