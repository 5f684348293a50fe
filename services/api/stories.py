"""Stories: the live ones newest first (cursor-paginated), one by id, merges followed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from services.api.common import summary, summary_select, time_text, topic_names
from services.api.cursor import Cursor, encode_cursor
from services.api.models import ArticleSummary, StoryDetail, StoryPage, StorySummary, TopicCount
from shared.db.rows import story_from_payload
from shared.db.tables import article_entities, article_topics, articles, stories, story_members
from shared.schemas import MAX_STORY_EVENT_MEMBERS, StoryEvent

# Absorbed stories point at their absorber; a chain longer than this is taken as a loop.
MAX_MERGE_HOPS = 32
# Shown per story in lists (the detail has every entity of the snapshot).
LIST_ENTITIES = 5
LIST_TOPICS = 3


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """What `GET /stories` may filter by; None leaves a filter out."""

    since: datetime | None = None
    entity: str | None = None
    topic: str | None = None
    min_sources: int | None = None


class MergeLoopError(RuntimeError):
    """Following `merged_into` from a story did not reach a live story."""


def _live() -> ColumnElement[bool]:
    # A merge marker (version 0, no snapshot yet) is never live: it always has merged_into.
    return stories.c.merged_into.is_(None) & (stories.c.version > 0)


def _has_member_with(table: Any, column: ColumnElement[Any], value: str) -> ColumnElement[bool]:
    members = (
        select(story_members.c.story_id)
        .join(table, table.c.article_id == story_members.c.article_id)
        .where(column == value)
    )
    return stories.c.id.in_(members)


async def list_stories(
    engine: AsyncEngine, filters: StoryFilter, *, limit: int, after: Cursor | None = None
) -> StoryPage:
    """Live stories matching `filters`, newest first by (last_seen, id), after the cursor."""
    conditions = [_live()]
    if filters.since is not None:
        conditions.append(stories.c.last_seen >= time_text(filters.since))
    if filters.min_sources is not None:
        conditions.append(stories.c.source_count >= filters.min_sources)
    if filters.entity is not None:
        conditions.append(
            _has_member_with(article_entities, article_entities.c.entity_key, filters.entity)
        )
    if filters.topic is not None:
        conditions.append(
            _has_member_with(article_topics, article_topics.c.topic_code, filters.topic)
        )
    if after is not None:
        conditions.append(tuple_(stories.c.last_seen, stories.c.id) < tuple_(after.at, after.id))
    query = (
        select(stories.c.id, stories.c.last_seen, stories.c.payload)
        .where(*conditions)
        .order_by(stories.c.last_seen.desc(), stories.c.id.desc())
        .limit(limit + 1)
    )
    async with engine.connect() as connection:
        rows = (await connection.execute(query)).all()
        page = rows[:limit]
        topics = await _topics(connection, [row.id for row in page])
    items = [
        _summary(story_from_payload(row.payload), topics.get(row.id, []), entities=LIST_ENTITIES)
        for row in page
    ]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(Cursor(page[-1].last_seen, page[-1].id))
    return StoryPage(items=items, next_cursor=next_cursor)


async def live_story_id(engine: AsyncEngine, story_id: str) -> str | None:
    """The live story `story_id` is now: itself, or the one it was merged into (followed).

    None when no such story is stored; `MergeLoopError` when the chain does not end.
    """
    current = story_id
    async with engine.connect() as connection:
        for _ in range(MAX_MERGE_HOPS):
            row = (
                await connection.execute(
                    select(stories.c.merged_into, stories.c.version).where(stories.c.id == current)
                )
            ).first()
            if row is None:
                return None
            if row.merged_into is None:
                return current if row.version > 0 else None
            current = row.merged_into
    raise MergeLoopError(f"story {story_id} is merged along more than {MAX_MERGE_HOPS} hops")


async def get_story(engine: AsyncEngine, story_id: str) -> StoryDetail | None:
    """The live story `story_id` with its stored articles; None if it is not a live story."""
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                select(stories.c.payload).where(stories.c.id == story_id, _live())
            )
        ).first()
        if row is None:
            return None
        topics = await _topics(connection, [story_id])
        event = story_from_payload(row.payload)
        members = await _members(connection, story_id, event.members)
    base = _summary(event, topics.get(story_id, []), entities=None)
    return StoryDetail(**base.model_dump(), merged=list(event.merged), members=members)


async def _members(
    connection: AsyncConnection, story_id: str, arrival: Sequence[str]
) -> list[ArticleSummary]:
    # The snapshot lists members in arrival order (its first 1,000); members it does not list
    # (beyond those, or moved here by a merge not yet in a snapshot) follow, oldest first.
    listed = list(dict.fromkeys(arrival))[:MAX_STORY_EVENT_MEMBERS]
    joined = articles.outerjoin(story_members, story_members.c.article_id == articles.c.id)
    found: dict[str, Any] = {}
    if listed:
        rows = await connection.execute(
            summary_select().select_from(joined).where(articles.c.id.in_(listed))
        )
        found = {row["id"]: row for row in rows.mappings()}
    ordered = [summary(found[article_id]) for article_id in listed if article_id in found]
    room = MAX_STORY_EVENT_MEMBERS - len(ordered)
    if room > 0:
        query = (
            summary_select()
            .select_from(joined)
            .where(story_members.c.story_id == story_id)
            .order_by(articles.c.seen_at, articles.c.id)
            .limit(room + len(listed))  # the listed ones may come back too: skipped below
        )
        seen = set(listed)
        rows = await connection.execute(query)
        extra = [summary(row) for row in rows.mappings() if row["id"] not in seen]
        ordered.extend(extra[:room])
    return ordered


async def _topics(
    connection: AsyncConnection, story_ids: Sequence[str]
) -> dict[str, list[TopicCount]]:
    # Topics are the articles', not the snapshot's: counted over each story's members.
    if not story_ids:
        return {}
    query = (
        select(story_members.c.story_id, article_topics.c.topic_code, func.count().label("n"))
        .join(article_topics, article_topics.c.article_id == story_members.c.article_id)
        .where(story_members.c.story_id.in_(story_ids))
        .group_by(story_members.c.story_id, article_topics.c.topic_code)
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in await connection.execute(query):
        counts[row.story_id][row.topic_code] = row.n
    names = topic_names()
    return {
        story_id: [
            TopicCount(code=code, label=names.get(code, code), articles=n)
            for code, n in sorted(counter.items(), key=lambda item: (-item[1], item[0]))[
                :LIST_TOPICS
            ]
        ]
        for story_id, counter in counts.items()
    }


def _summary(event: StoryEvent, topics: list[TopicCount], *, entities: int | None) -> StorySummary:
    return StorySummary(
        id=event.story_id,
        version=event.version,
        title=event.title,
        first_seen=event.first_seen,
        last_seen=event.last_seen,
        member_count=event.member_count,
        sources=list(event.sources),
        entities=list(event.entities[:entities]),
        topics=topics,
    )
