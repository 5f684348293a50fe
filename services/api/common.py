"""Pieces the query modules share: time text, article summaries, topic names."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping

from services.api.models import ArticleSummary
from services.enrich.iptc import top_level_names
from shared.db.rows import timestamp
from shared.db.tables import articles, story_members


def time_text(value: datetime) -> str:
    """`value` as the stored timestamp text it compares with; naive values are taken as UTC."""
    return timestamp(value if value.tzinfo is not None else value.replace(tzinfo=UTC))


def parse_time(text: str) -> datetime:
    """A stored timestamp text as a datetime."""
    return datetime.fromisoformat(text)


def summary_select(*extra: Any) -> Select[Any]:
    """The columns of an `ArticleSummary` (and `extra`); the caller joins `story_members` to
    `articles` by article id, outer, so the live story comes with each article."""
    return select(
        articles.c.id,
        articles.c.revision,
        articles.c.title,
        articles.c.outlet,
        articles.c.url,
        articles.c.language,
        articles.c.seen_at,
        articles.c.published_at,
        articles.c.duplicate_of,
        story_members.c.story_id,
        *extra,
    )


def summary(row: RowMapping) -> ArticleSummary:
    """The `ArticleSummary` of a row selected by `summary_select`."""
    return ArticleSummary(
        id=row["id"],
        revision=row["revision"],
        title=row["title"],
        outlet=row["outlet"],
        url=row["url"],
        language=row["language"],
        seen_at=parse_time(row["seen_at"]),
        published_at=parse_time(row["published_at"]) if row["published_at"] else None,
        story_id=row["story_id"],
        duplicate_of=row["duplicate_of"],
    )


@cache
def topic_names() -> dict[str, str]:
    """IPTC top-level topic names by code (the enrichment's own vocabulary, read once)."""
    return top_level_names()
