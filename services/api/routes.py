"""The JSON routes: articles, stories and entities, read-only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from services.api.articles import get_article, list_articles
from services.api.entities import get_entity
from services.api.models import ArticlePage, EntityDetail, StoryDetail, StoryPage
from services.api.params import ENTITY_KEY, Articles, Database, Limit, PageCursor, Stories
from services.api.stories import MergeLoopError, get_story, list_stories, live_story_id
from shared.logging import get_logger
from shared.schemas import EnrichedArticle

log = get_logger(__name__)
router = APIRouter()

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such id is stored."}}
Id = Annotated[str, Path(min_length=1, max_length=200)]
EntityKey = Annotated[str, Path(pattern=ENTITY_KEY, max_length=200)]
# An entity's window: how many UTC days up to `until` are counted.
MAX_DAYS = 366


@router.get("/articles", tags=["articles"])
async def articles_route(
    engine: Database, filters: Articles, cursor: PageCursor, limit: Limit = 50
) -> ArticlePage:
    """Stored articles, newest first (published, else ingested), filtered and paginated."""
    return await list_articles(engine, filters, limit=limit, after=cursor)


@router.get("/articles/{article_id}", tags=["articles"], responses=NOT_FOUND)
async def article_route(engine: Database, article_id: Id) -> EnrichedArticle:
    """The latest stored revision of an article, with its live story."""
    article = await get_article(engine, article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id!r} is stored")
    return article


@router.get("/stories", tags=["stories"])
async def stories_route(
    engine: Database, filters: Stories, cursor: PageCursor, limit: Limit = 50
) -> StoryPage:
    """Live stories, latest article first, filtered and paginated."""
    return await list_stories(engine, filters, limit=limit, after=cursor)


@router.get(
    "/stories/{story_id}",
    tags=["stories"],
    responses={
        **NOT_FOUND,
        307: {"description": "The story was merged: Location is the live story."},
    },
    response_model=StoryDetail,
)
async def story_route(
    request: Request, engine: Database, story_id: Id
) -> StoryDetail | RedirectResponse:
    """A live story with its articles in arrival order; an absorbed story redirects."""
    return await story_or_redirect(request, engine, story_id, "story_route")


async def story_or_redirect(
    request: Request, engine: AsyncEngine, story_id: str, route: str
) -> StoryDetail | RedirectResponse:
    """The live story `story_id`, or a 307 to `route` of the story it was merged into (the
    JSON route and the page both follow merges so); a 404 if there is none."""
    live = await resolve_story(engine, story_id)
    if live != story_id:
        return RedirectResponse(request.url_for(route, story_id=live), status_code=307)
    story = await get_story(engine, live)
    if story is None:
        raise HTTPException(404, f"no story {story_id!r} is stored")
    return story


async def resolve_story(engine: AsyncEngine, story_id: str) -> str:
    """The live story of `story_id` (merges followed), or a 404."""
    try:
        live = await live_story_id(engine, story_id)
    except MergeLoopError as error:
        log.warning("story merges do not end", story_id=story_id, error=str(error))
        raise HTTPException(404, f"story {story_id!r} leads to no live story") from error
    if live is None:
        raise HTTPException(404, f"no story {story_id!r} is stored")
    return live


@router.get("/entities/{key}", tags=["entities"], responses=NOT_FOUND)
async def entity_route(
    engine: Database,
    key: EntityKey,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="UTC days counted.")] = 30,
    until: Annotated[
        date | None, Query(description="Last day counted; default: the day it was last seen.")
    ] = None,
) -> EntityDetail:
    """An entity: its name, label, forms seen and articles and stories per day."""
    entity = await get_entity(engine, key, days=days, until=until)
    if entity is None:
        raise HTTPException(404, f"no stored article names {key!r}")
    return entity
