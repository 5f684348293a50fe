"""The stories page: server-rendered HTML over the same queries as the JSON routes.

Feed text is hostile: every template is autoescaped, and links to articles go out with
`rel="noopener noreferrer nofollow"`. Only http(s) article URLs become links.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, pass_context
from jinja2.runtime import Context

from services.api.articles import ArticleFilter, list_articles
from services.api.entities import get_entity
from services.api.params import ENTITY_KEY, Database, PageCursor
from services.api.routes import Id, story_or_redirect
from services.api.stories import StoryFilter, list_stories

# Stories on the front page, and an entity page's latest articles and stories.
FRONT_PAGE_STORIES = 30
ENTITY_ARTICLES = 30
ENTITY_STORIES = 10
ENTITY_DAYS = 30


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _web_link(url: str | None) -> str | None:
    # A feed may give javascript: or data: URLs; only the web's own become links.
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


@pass_context
def _path_for(context: Context, name: str, /, **params: str) -> str:
    # Paths, not absolute URLs: links stay right behind a proxy that rewrites the host.
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **params))


def _templates() -> Jinja2Templates:
    environment = Environment(
        loader=PackageLoader("services.api", "templates"),
        autoescape=True,  # every template, whatever its file name
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = _when
    environment.filters["web_link"] = _web_link
    environment.globals["path_for"] = _path_for
    return Jinja2Templates(env=environment)


templates = _templates()
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/", name="front_page")
async def front_page(request: Request, engine: Database, cursor: PageCursor) -> Response:
    """The latest stories."""
    stories = await list_stories(engine, StoryFilter(), limit=FRONT_PAGE_STORIES, after=cursor)
    return templates.TemplateResponse(request, "index.html", {"page": stories})


@router.get("/stories/{story_id}/page", name="story_page")
async def story_page(request: Request, engine: Database, story_id: Id) -> Response:
    """A story and its articles, linked to their pages."""
    story = await story_or_redirect(request, engine, story_id, "story_page")
    if isinstance(story, RedirectResponse):
        return story
    return templates.TemplateResponse(request, "story.html", {"story": story})


@router.get("/entities/{key}/page", name="entity_page")
async def entity_page(
    request: Request,
    engine: Database,
    key: Annotated[str, Path(pattern=ENTITY_KEY, max_length=200)],
) -> Response:
    """An entity: its names, activity, latest stories and articles."""
    entity = await get_entity(engine, key, days=ENTITY_DAYS)
    if entity is None:
        raise HTTPException(404, f"no stored article names {key!r}")
    stories = await list_stories(engine, StoryFilter(entity=key), limit=ENTITY_STORIES)
    articles = await list_articles(engine, ArticleFilter(entity=key), limit=ENTITY_ARTICLES)
    return templates.TemplateResponse(
        request,
        "entity.html",
        {"entity": entity, "stories": stories.items, "articles": articles.items},
    )
