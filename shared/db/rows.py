"""Rows of the store's tables built from events: plain Python, no database in it.

Column values are what `tables.py` declares: timestamps as sortable ISO-8601 text, payloads
as the event's own JSON.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.schemas import EnrichedArticle, StoryEvent

Row = dict[str, Any]


def timestamp(value: datetime) -> str:
    """`value` as ISO-8601 text with microseconds; UTC when it is aware, so text sorts in time
    order. A naive value is kept as given rather than guessing its zone."""
    if value.tzinfo is not None:
        # Year 1 east of UTC, or year 9999 west of it, has no UTC form: kept as given.
        with contextlib.suppress(OverflowError):
            value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def seen_at(article: EnrichedArticle) -> str:
    """The article's time for readers: published, else ingested."""
    return timestamp(article.published_at or article.ingested_at)


def article_row(article: EnrichedArticle, now: datetime) -> Row:
    """The `articles` row of `article`; `now` fills stored_at and updated_at."""
    stamp = timestamp(now)
    return {
        "id": article.id,
        "revision": article.revision,
        "title": article.title,
        "outlet": article.outlet,
        "url": article.url,
        "published_at": timestamp(article.published_at)
        if article.published_at is not None
        else None,
        "ingested_at": timestamp(article.ingested_at),
        "enriched_at": timestamp(article.enriched_at),
        "payload": article.model_dump_json(),
        "stored_at": stamp,
        "updated_at": stamp,
        "seen_at": seen_at(article),
        "language": article.language,
        "duplicate_of": article.duplicate_of,
    }


@dataclass(frozen=True, slots=True)
class ArticleIndex:
    """An article's rows in the tables the read API filters by."""

    entities: list[Row]
    topics: list[Row]


def article_index(article: EnrichedArticle) -> ArticleIndex:
    """The `article_entities` and `article_topics` rows of `article` (one per key / code)."""
    when = seen_at(article)
    entities: dict[str, Row] = {}
    for entity in article.entities:
        # Keys are unique within an article's entities; the first is kept should one repeat.
        entities.setdefault(
            entity.key,
            {
                "entity_key": entity.key,
                "article_id": article.id,
                "name": entity.text,
                "label": entity.label,
                "salience": entity.salience,
                "seen_at": when,
            },
        )
    topics: dict[str, Row] = {}
    for topic in article.topics:
        topics.setdefault(
            topic.code,
            {
                "topic_code": topic.code,
                "article_id": article.id,
                "score": topic.score,
                "seen_at": when,
            },
        )
    return ArticleIndex(list(entities.values()), list(topics.values()))


def article_from_payload(payload: str) -> EnrichedArticle:
    """The event stored in an `articles` payload."""
    return EnrichedArticle.model_validate_json(payload)


def story_row(event: StoryEvent) -> Row:
    """The `stories` row of a story event's snapshot (`merged_into` is never named here)."""
    return {
        "id": event.story_id,
        "version": event.version,
        "title": event.title,
        "first_seen": timestamp(event.first_seen),
        "last_seen": timestamp(event.last_seen),
        "member_count": event.member_count,
        "payload": event.model_dump_json(),
        "emitted_at": timestamp(event.emitted_at),
        "source_count": len(event.sources),
    }


def merge_marker_row(event: StoryEvent, absorbed: str) -> Row:
    """A `stories` row marking `absorbed` as merged into the event's story.

    Used when no snapshot of the absorbed story is stored yet: version 0 and a JSON null
    payload, which the absorbed story's own snapshot replaces (all but `merged_into`).
    """
    return {
        "id": absorbed,
        "version": 0,
        "title": None,
        "first_seen": timestamp(event.first_seen),
        "last_seen": timestamp(event.last_seen),
        "member_count": 0,
        "payload": "null",
        "merged_into": event.story_id,
        "emitted_at": "",
        "source_count": 0,
    }


def story_from_payload(payload: str) -> StoryEvent:
    """The story event stored in a `stories` payload."""
    return StoryEvent.model_validate_json(payload)
