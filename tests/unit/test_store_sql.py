from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.store.sql import (
    COLUMNS,
    POSTGRES,
    SQLITE,
    Dialect,
    article_from_payload,
    article_row,
    statements,
)
from shared.database_url import parse_database_url
from shared.schemas import EnrichedArticle, Entity, Mention, ModelRef, SourceRef, Topic

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
    row = dict(zip(COLUMNS, article_row(article, NOW), strict=True))
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
    row = dict(zip(COLUMNS, article_row(article, NOW), strict=True))
    assert row["published_at"] == "2026-03-01T07:30:00.000000+00:00"
    assert row["ingested_at"] == "2026-03-01T12:00:00.000000"
    # The payload keeps the event's own offset: it is what is read back.
    assert article_from_payload(str(row["payload"])).published_at == article.published_at


def test_a_date_with_no_utc_form_is_kept_as_given_not_an_error() -> None:
    article = _article(published_at=datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))))
    row = dict(zip(COLUMNS, article_row(article, NOW), strict=True))
    assert row["published_at"] == "0001-01-01T00:30:00.000000+02:00"


@pytest.mark.parametrize(("dialect", "marker"), [(SQLITE, r"\?"), (POSTGRES, r"\$\d+")])
def test_upsert_has_one_shape_and_dialect_placeholders(dialect: Dialect, marker: str) -> None:
    upsert = statements(dialect).upsert
    assert upsert.startswith(f"INSERT INTO articles ({', '.join(COLUMNS)}) VALUES (")
    assert len(re.findall(marker, upsert)) == len(COLUMNS)
    conflict = upsert.split("ON CONFLICT (id) DO UPDATE SET ", 1)[1]
    updated = {part.split(" = ")[0] for part in conflict.split(", ")}
    # stored_at stays what the first insert wrote; everything else follows the latest event.
    assert updated == set(COLUMNS) - {"id", "stored_at"}


def test_dialects_differ_only_where_they_must() -> None:
    sqlite, postgres = statements(SQLITE), statements(POSTGRES)
    assert "payload TEXT NOT NULL" in sqlite.create_table
    assert sqlite.create_table.replace("payload TEXT", "payload JSONB") == postgres.create_table
    numbers = itertools.count(1)
    assert re.sub(r"\?", lambda _: f"${next(numbers)}", sqlite.upsert) == postgres.upsert
    assert SQLITE.bind_ids(["a", "b"]) == '["a", "b"]'
    assert POSTGRES.bind_ids(("a", "b")) == ["a", "b"]


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
