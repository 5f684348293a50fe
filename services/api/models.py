"""The read API's response models: what each route returns, and so what OpenAPI documents."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from shared.schemas import StoryEntity


class ArticleSummary(BaseModel):
    """An article as lists show it: the stored columns, no text or enrichment."""

    id: str
    revision: int
    title: str | None
    outlet: str | None
    url: str | None
    language: str | None
    seen_at: datetime = Field(description="Published, else ingested (what lists sort by).")
    published_at: datetime | None
    story_id: str | None = Field(description="The live story the article belongs to.")
    duplicate_of: str | None = Field(description="The article this one is a near-copy of.")


class ArticlePage(BaseModel):
    """One page of articles, newest first."""

    items: list[ArticleSummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


class TopicCount(BaseModel):
    """An IPTC top-level topic among a story's articles."""

    code: str = Field(description="IPTC QCode, e.g. medtop:16000000.")
    label: str = Field(description="IPTC's en-US name.")
    articles: int = Field(description="How many of the story's articles have it.")


class StorySummary(BaseModel):
    """A live story as lists show it: its latest snapshot and its commonest topics."""

    id: str
    version: int
    title: str | None
    first_seen: datetime
    last_seen: datetime
    member_count: int = Field(description="Articles in the story, merged stories included.")
    sources: list[str] = Field(description="Outlets (else source names), first seen first.")
    entities: list[StoryEntity] = Field(description="Top entities, heaviest first.")
    topics: list[TopicCount] = Field(description="Commonest topics of its articles first.")


class StoryPage(BaseModel):
    """One page of stories, latest article first."""

    items: list[StorySummary]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


class StoryDetail(StorySummary):
    """A live story with its stored articles in arrival order."""

    merged: list[str] = Field(description="Stories this one absorbed (their ids redirect here).")
    members: list[ArticleSummary] = Field(
        description="Stored articles in arrival order (at most 1,000; `member_count` counts all)."
    )


class EntityDay(BaseModel):
    """An entity's activity on one UTC day."""

    day: date
    articles: int = Field(description="Articles naming the entity that day.")
    stories: int = Field(description="Stories those articles belong to.")


class EntityDetail(BaseModel):
    """An entity across stored articles: its name, forms, and activity per day."""

    key: str = Field(description="LABEL:name, as in articles.")
    name: str = Field(description="Its name in the latest article naming it.")
    label: str = Field(description="Its type in the latest article naming it.")
    forms: list[str] = Field(description="How recent articles wrote it (at most 50).")
    since: date = Field(description="First day of the window counted in `days` (UTC).")
    until: date = Field(description="Last day of the window (UTC).")
    days: list[EntityDay] = Field(description="Days of the window with articles, oldest first.")


class Readiness(BaseModel):
    """Whether each dependency answers."""

    database: bool
