"""Articles: one filtered, cursor-paginated list, and one article by id.

The list is driven by the most selective index its filters allow: an entity's or topic's
(key, seen_at, article_id) index, else outlet's or language's (value, seen_at, id), else
articles by (seen_at, id); it reads that index backwards from the cursor and stops at the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from services.api.common import summary, summary_select, time_text
from services.api.cursor import Cursor, encode_cursor
from services.api.models import ArticlePage
from shared.db.rows import article_from_payload
from shared.db.search import has_words
from shared.db.tables import article_entities, article_topics, articles, story_members
from shared.schemas import EnrichedArticle


@dataclass(frozen=True, slots=True)
class ArticleFilter:
    """What `GET /articles` may filter by; None leaves a filter out."""

    entity: str | None = None
    topic: str | None = None
    story: str | None = None
    outlet: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


async def list_articles(
    engine: AsyncEngine, filters: ArticleFilter, *, limit: int, after: Cursor | None = None
) -> ArticlePage:
    """Articles matching `filters`, newest first by (seen_at, id), after the cursor if any."""
    source: Any = articles
    sort_at: ColumnElement[Any] = articles.c.seen_at
    sort_id: ColumnElement[Any] = articles.c.id
    # A topic, then an entity, join by primary key; the last joined drives the order, so
    # the entity's index does when both are given (entities are the narrower filter).
    for table, column, value in (
        (article_topics, article_topics.c.topic_code, filters.topic),
        (article_entities, article_entities.c.entity_key, filters.entity),
    ):
        if value is not None:
            source = source.join(table, (table.c.article_id == articles.c.id) & (column == value))
            sort_at, sort_id = table.c.seen_at, table.c.article_id
    source = source.outerjoin(story_members, story_members.c.article_id == articles.c.id)

    # Rows stored before seen_at existed would sort apart (NULLs first in PostgreSQL).
    conditions: list[ColumnElement[bool]] = [sort_at.is_not(None)]
    if filters.story is not None:
        conditions.append(story_members.c.story_id == filters.story)
    if filters.outlet is not None:
        conditions.append(articles.c.outlet == filters.outlet)
    if filters.language is not None:
        conditions.append(articles.c.language == filters.language)
    if filters.since is not None:
        conditions.append(sort_at >= time_text(filters.since))
    if filters.until is not None:
        conditions.append(sort_at < time_text(filters.until))
    if filters.q is not None:
        conditions.append(has_words(filters.q, engine.dialect.name))
    if after is not None:
        conditions.append(tuple_(sort_at, sort_id) < tuple_(after.at, after.id))

    query = (
        summary_select(sort_at.label("sort_at"))
        .select_from(source)
        .where(*conditions)
        .order_by(sort_at.desc(), sort_id.desc())
        .limit(limit + 1)  # one more tells whether there is a next page
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).mappings().all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(Cursor(last["sort_at"], last["id"]))
    return ArticlePage(items=[summary(row) for row in page], next_cursor=next_cursor)


async def get_article(engine: AsyncEngine, article_id: str) -> EnrichedArticle | None:
    """The stored event of `article_id`, its `story_id` the live story it belongs to now."""
    query = (
        articles.select()
        .with_only_columns(articles.c.payload, story_members.c.story_id)
        .select_from(articles.outerjoin(story_members, story_members.c.article_id == articles.c.id))
        .where(articles.c.id == article_id)
    )
    async with engine.connect() as connection:
        row = (await connection.execute(query)).first()
    if row is None:
        return None
    article = article_from_payload(row.payload)
    # The payload's story is the one it joined; a merge since may have moved it.
    if row.story_id is not None and row.story_id != article.story_id:
        article = article.model_copy(update={"story_id": row.story_id})
    return article
