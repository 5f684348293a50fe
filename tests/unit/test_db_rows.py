from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import make_url

from shared.database_url import parse_database_url
from shared.db.engine import engine_url
from shared.db.rows import article_from_payload, article_index, article_row, story_row
from shared.db.tables import article_entities, article_topics, articles, stories
from shared.schemas import (
    EnrichedArticle,
    Entity,
    Mention,
    ModelRef,
    SourceRef,
    StoryEvent,
    Topic,
)

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _article(article_id: str = "a1", **changes: object) -> EnrichedArticle:
    fields: dict[str, object] = {
        "id": article_id,
        "text": "NATO met in Brüssel.",
        "ingested_at": datetime(2026, 3, 1, 12, tzinfo=UTC),
        "source": SourceRef(kind="file", name="x.txt"),
        "entities": (
            Entity(
                text="NATO", label="ORG", count=1, mentions=(Mention(field="text", start=0, end=4),)
            ),
        ),
        "topics": (Topic(code="medtop:11000000", label="politics", score=0.1, evidence=()),),
        "model": ModelRef(name="m", version="1"),
        "enriched_at": datetime(2026, 3, 1, 12, 5, tzinfo=UTC),
    }
    return EnrichedArticle.model_validate({**fields, **changes})


def test_row_follows_the_column_order_and_keeps_the_whole_event() -> None:
    article = _article(title="Headline", outlet="Wire", url="https://example.org/a1")
    row = article_row(article, NOW)
    assert row["id"] == "a1"
    assert (row["title"], row["outlet"], row["url"]) == ("Headline", "Wire", article.url)
    assert row["published_at"] is None
    assert row["ingested_at"] == "2026-03-01T12:00:00.000000+00:00"
    assert row["stored_at"] == row["updated_at"] == "2026-03-04T05:06:07.000000+00:00"
    payload = row["payload"]
    assert isinstance(payload, str)
    assert json.loads(payload)["entities"][0]["text"] == "NATO"
    assert article_from_payload(payload) == article


def test_row_timestamps_are_utc_when_aware_and_untouched_when_naive() -> None:
    plus_two = timezone(timedelta(hours=2))
    article = _article(
        published_at=datetime(2026, 3, 1, 9, 30, tzinfo=plus_two),
        ingested_at=datetime(2026, 3, 1, 12, 0),  # naive: no zone is invented for it
    )
    row = article_row(article, NOW)
    assert row["published_at"] == "2026-03-01T07:30:00.000000+00:00"
    assert row["ingested_at"] == "2026-03-01T12:00:00.000000"
    # The payload keeps the event's own offset: it is what is read back.
    assert article_from_payload(str(row["payload"])).published_at == article.published_at


def test_a_date_with_no_utc_form_is_kept_as_given_not_an_error() -> None:
    article = _article(published_at=datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))))
    row = article_row(article, NOW)
    assert row["published_at"] == "0001-01-01T00:30:00.000000+02:00"


def test_rows_name_exactly_the_columns_of_their_tables() -> None:
    article = _article(title="Headline", outlet="Wire", duplicate_of="a0", language="en")
    row = article_row(article, NOW)
    assert set(row) == {c.name for c in articles.c}
    assert (row["seen_at"], row["language"], row["duplicate_of"]) == (
        row["ingested_at"],
        "en",
        "a0",
    )
    index = article_index(article)
    assert [set(r) for r in index.entities] == [{c.name for c in article_entities.c}]
    assert [set(r) for r in index.topics] == [{c.name for c in article_topics.c}]
    assert set(story_row(_story())) == {c.name for c in stories.c} - {"merged_into"}


def test_an_article_is_seen_when_published_else_when_ingested() -> None:
    published = datetime(2026, 2, 28, 23, 0, tzinfo=timezone(timedelta(hours=-3)))
    assert article_row(_article(published_at=published), NOW)["seen_at"] == (
        "2026-03-01T02:00:00.000000+00:00"
    )
    assert article_index(_article(published_at=published)).entities[0]["seen_at"] == (
        "2026-03-01T02:00:00.000000+00:00"
    )


def test_an_entity_key_or_topic_code_listed_twice_gives_one_row_the_first() -> None:
    nato = _article().entities[0]
    politics = _article().topics[0]
    article = _article(
        entities=(nato, nato.model_copy(update={"salience": 0.5})),
        topics=(politics, politics.model_copy(update={"score": 0.9})),
    )
    index = article_index(article)
    assert [(r["entity_key"], r["salience"]) for r in index.entities] == [(nato.key, 0.0)]
    assert [(r["topic_code"], r["score"]) for r in index.topics] == [("medtop:11000000", 0.1)]


def _story() -> StoryEvent:
    return StoryEvent(
        kind="created",
        story_id="s1",
        article_id="a1",
        version=1,
        title="Headline",
        first_seen=NOW,
        last_seen=NOW,
        member_count=1,
        members=("a1",),
        sources=("Wire", "Other"),
        entities=(),
        emitted_at=NOW,
    )


def test_a_story_row_counts_its_sources() -> None:
    assert story_row(_story())["source_count"] == 2


@pytest.mark.parametrize(
    ("url", "driver_url"),
    [
        ("sqlite:///var/newswire.sqlite3", "sqlite+aiosqlite:///var/newswire.sqlite3"),
        ("sqlite:////tmp/abs.sqlite3", "sqlite+aiosqlite:////tmp/abs.sqlite3"),
        ("postgres://u:p@db:5432/news", "postgresql+asyncpg://u:p@db:5432/news"),
    ],
)
def test_engine_urls_name_the_async_driver(url: str, driver_url: str) -> None:
    assert engine_url(url) == make_url(driver_url)


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("sqlite:///var/newswire.sqlite3", "sqlite", "var/newswire.sqlite3"),
        ("sqlite:////tmp/abs.sqlite3", "sqlite", "/tmp/abs.sqlite3"),
        ("postgresql://u:p@db:5432/news", "postgresql", "postgresql://u:p@db:5432/news"),
        ("postgres://db/news", "postgresql", "postgres://db/news"),
    ],
)
def test_database_url_picks_the_backend(url: str, backend: str, location: str) -> None:
    target = parse_database_url(url)
    assert (target.backend, target.location) == (backend, location)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://root:secret@db/news", "scheme 'mysql'"),
        ("sqlite://relative.db", "scheme 'sqlite'"),
        ("news.sqlite3", "without a scheme"),
        ("sqlite:///", "needs a file path"),
    ],
)
def test_unknown_database_urls_are_refused_without_echoing_them(url: str, expected: str) -> None:
    with pytest.raises(ValueError, match=expected) as info:
        parse_database_url(url)
    assert "secret" not in str(info.value)
