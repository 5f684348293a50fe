"""One contract, two real databases: a SQLite file and a throw-away PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiosqlite
import asyncpg
import pytest

from services.store.database import open_repository
from services.store.repository import ArticleRepository
from shared.schemas import Entity, Keyphrase, Mention, Topic, TopicEvidence
from tests.helpers import enriched_article

pytestmark = pytest.mark.integration


@pytest.fixture
async def repository(database_url: str) -> AsyncIterator[ArticleRepository]:
    repository = await open_repository(database_url)
    try:
        yield repository
    finally:
        await repository.close()


async def test_an_article_round_trips_exactly(repository: ArticleRepository) -> None:
    article = enriched_article(
        "https://example.org/news/1",
        title="Stoltenberg in Kyiv — „Gespräche“ 🇺🇦",
        outlet="Example Wire",
        url="https://example.org/news/1",
        text='Line one.\n\nLine "two" with \\ and ünïcödé.',
        published_at=datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2))),
        entities=(
            Entity(
                text="Stoltenberg",
                label="PERSON",
                count=2,
                mentions=(
                    Mention(field="title", start=0, end=11),
                    Mention(field="text", start=3, end=14),
                ),
            ),
        ),
        topics=(
            Topic(
                code="medtop:16000000",
                label="conflict, war and peace",
                score=0.7123456789012345,
                evidence=(
                    TopicEvidence(
                        text="peace talks",
                        count=2,
                        concept="peace talks",
                        concept_code="medtop:20000061",
                    ),
                ),
            ),
            Topic(code="medtop:17000000", label="weather", score=1e-07, evidence=()),
        ),
        keyphrases=(Keyphrase(text="peace talk", score=9.5, forms=("peace talks",)),),
    )
    await repository.upsert_many([article])

    stored = await repository.get(article.id)
    assert stored == article
    assert stored is not None
    assert stored.model_dump_json() == article.model_dump_json()


async def test_get_of_an_unknown_id_is_none(repository: ArticleRepository) -> None:
    assert await repository.get("nope") is None


async def test_upserting_the_same_id_again_replaces_the_row(repository: ArticleRepository) -> None:
    await repository.upsert_many([enriched_article("a1", title="First"), enriched_article("a2")])
    await repository.upsert_many([enriched_article("a1", title="Second")])

    assert await repository.count() == 2
    stored = await repository.get("a1")
    assert stored is not None
    assert stored.title == "Second"
    assert [a.id for a in await repository.list_articles()] == ["a1", "a2"]


async def test_the_same_id_twice_in_one_batch_keeps_the_later(
    repository: ArticleRepository,
) -> None:
    await repository.upsert_many(
        [enriched_article("a1", title="Old"), enriched_article("a1", title="New")]
    )

    assert await repository.count() == 1
    assert [a.title for a in await repository.list_articles()] == ["New"]


async def test_count_and_list_by_ids(repository: ArticleRepository) -> None:
    assert await repository.count() == 0
    assert await repository.list_articles() == []
    await repository.upsert_many([enriched_article(f"a{n}") for n in range(5)])
    await repository.upsert_many([])

    assert await repository.count() == 5
    found = await repository.list_articles(["a3", "a1", "missing"])
    assert sorted(a.id for a in found) == ["a1", "a3"]
    assert await repository.list_articles([]) == []
    assert len(await repository.list_articles()) == 5
    with pytest.raises(TypeError):
        await repository.list_articles("a1")


async def test_a_second_open_finds_the_table_and_the_data(database_url: str) -> None:
    first = await open_repository(database_url)
    try:
        await first.upsert_many([enriched_article("a1")])
    finally:
        await first.close()
    second = await open_repository(database_url)
    try:
        assert [a.id for a in await second.list_articles(["a1"])] == ["a1"]
    finally:
        await second.close()


async def test_stored_at_is_kept_and_updated_at_moves(database_url: str) -> None:
    repository = await open_repository(database_url)
    try:
        await repository.upsert_many([enriched_article("a1", title="First")])
        before = await _timestamps(database_url)
        await repository.upsert_many([enriched_article("a1", title="Second")])
        after = await _timestamps(database_url)
    finally:
        await repository.close()
    assert after[0] == before[0]
    assert after[1] > before[1]
    assert (before[2], after[2]) == ("First", "Second")


async def _timestamps(database_url: str) -> tuple[str, str, str]:
    """stored_at, updated_at and title of row a1, read with the bare driver."""
    sql = "SELECT stored_at, updated_at, title FROM articles WHERE id = 'a1'"
    if database_url.startswith("sqlite:///"):
        async with aiosqlite.connect(database_url.removeprefix("sqlite:///")) as db:
            (row,) = await db.execute_fetchall(sql)
            return str(row[0]), str(row[1]), str(row[2])
    connection = await asyncpg.connect(database_url)
    try:
        record = await connection.fetchrow(sql)
    finally:
        await connection.close()
    assert record is not None
    return str(record[0]), str(record[1]), str(record[2])


async def test_sqlite_creates_the_directory_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.sqlite3"
    repository = await open_repository(f"sqlite:///{path}")
    try:
        await repository.upsert_many([enriched_article("a1")])
    finally:
        await repository.close()
    assert path.is_file()
    async with aiosqlite.connect(path) as db:
        assert list(await db.execute_fetchall("PRAGMA journal_mode")) == [("wal",)]


async def test_an_older_revision_never_overwrites_a_newer_one(
    repository: ArticleRepository,
) -> None:
    await repository.upsert_many([enriched_article("a1", revision=2, title="Second")])
    await repository.upsert_many([enriched_article("a1", revision=1, title="First")])  # late
    stored = await repository.get("a1")
    assert stored is not None
    assert (stored.revision, stored.title) == (2, "Second")
    await repository.upsert_many(
        [enriched_article("a1", revision=3, title="Third"), enriched_article("a1", revision=2)]
    )
    stored = await repository.get("a1")
    assert stored is not None
    assert (stored.revision, stored.title) == (3, "Third")
    assert await repository.count() == 1
    assert await repository.ping()


async def test_a_table_from_before_revisions_gets_the_column(database_url: str) -> None:
    # The table as the first release created it: no revision column.
    old_table = """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY, title TEXT, outlet TEXT, url TEXT, published_at TEXT,
            ingested_at TEXT NOT NULL, enriched_at TEXT NOT NULL, payload TEXT NOT NULL,
            stored_at TEXT NOT NULL, updated_at TEXT NOT NULL
        )
    """
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(path) as db:
            await db.execute(old_table)
            await db.commit()
    else:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(old_table)
        finally:
            await connection.close()
    repository = await open_repository(database_url)
    try:
        await repository.upsert_many([enriched_article("a1", revision=4)])
        stored = await repository.get("a1")
    finally:
        await repository.close()
    assert stored is not None
    assert stored.revision == 4
