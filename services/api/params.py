"""Query parameters shared by the JSON routes and the pages, validated once (422 otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.articles import ArticleFilter
from services.api.cursor import Cursor, CursorError, decode_cursor
from services.api.stories import StoryFilter
from shared.db.search import search_words

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# Formats of the values articles carry: an entity key is LABEL:ascii-slug (shared/ids.py).
ENTITY_KEY = r"^[A-Z_]+:[a-z0-9-]*$"
TOPIC_CODE = r"^medtop:[0-9]{8}$"
LANGUAGE = r"^[a-z]{2,3}$"


def _invalid(name: str, message: str, value: object) -> RequestValidationError:
    # The shape FastAPI gives its own validation errors, so clients read one format.
    error: dict[str, Any] = {
        "type": "value_error",
        "loc": ("query", name),
        "msg": message,
        "input": value,
    }
    return RequestValidationError([error])


def database(request: Request) -> AsyncEngine:
    """The engine the app opened at start-up."""
    engine: AsyncEngine = request.app.state.engine
    return engine


def page_cursor(
    cursor: Annotated[
        str | None,
        Query(description="`next_cursor` of the previous page; omit for the first page."),
    ] = None,
) -> Cursor | None:
    """The decoded cursor, or a 422 naming it when it is not one this API issued."""
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor)
    except CursorError as error:
        raise _invalid("cursor", str(error), cursor) from error


def _utc(value: datetime | None) -> datetime | None:
    # A time without a zone is read as UTC, the zone every stored time is in.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def article_filter(
    *,
    entity: Annotated[
        str | None,
        Query(pattern=ENTITY_KEY, max_length=200, description="Entity key, e.g. GPE:france."),
    ] = None,
    topic: Annotated[
        str | None,
        Query(pattern=TOPIC_CODE, description="IPTC top-level code, e.g. medtop:16000000."),
    ] = None,
    story: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    outlet: Annotated[str | None, Query(min_length=1, max_length=300)] = None,
    language: Annotated[
        str | None, Query(pattern=LANGUAGE, description="ISO 639 code, e.g. en, or und.")
    ] = None,
    since: Annotated[
        datetime | None,
        Query(description="Seen (published, else ingested) at or after; no zone: UTC."),
    ] = None,
    until: Annotated[datetime | None, Query(description="Seen before; no zone: UTC.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words that must all be in the title or text."),
    ] = None,
) -> ArticleFilter:
    """The article filters of a request."""
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since >= until:
        raise _invalid("until", "until must be later than since", until.isoformat())
    if q is not None and not search_words(q):
        raise _invalid("q", "q must contain a word (letters or digits)", q)
    return ArticleFilter(
        entity=entity,
        topic=topic,
        story=story,
        outlet=outlet,
        language=language,
        since=since,
        until=until,
        q=q,
    )


def story_filter(
    *,
    since: Annotated[
        datetime | None, Query(description="Last article seen at or after; no zone: UTC.")
    ] = None,
    entity: Annotated[
        str | None,
        Query(pattern=ENTITY_KEY, max_length=200, description="An article of the story names it."),
    ] = None,
    topic: Annotated[
        str | None,
        Query(pattern=TOPIC_CODE, description="An article of the story has this topic."),
    ] = None,
    min_sources: Annotated[
        int | None, Query(ge=1, le=10_000, description="At least this many outlets.")
    ] = None,
) -> StoryFilter:
    """The story filters of a request."""
    return StoryFilter(since=_utc(since), entity=entity, topic=topic, min_sources=min_sources)


Database = Annotated[AsyncEngine, Depends(database)]
PageCursor = Annotated[Cursor | None, Depends(page_cursor)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, 1..{MAX_LIMIT}.")]
Articles = Annotated[ArticleFilter, Depends(article_filter)]
Stories = Annotated[StoryFilter, Depends(story_filter)]
