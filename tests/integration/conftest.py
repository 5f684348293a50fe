"""Fixtures of the read API's tests: a store filled as the store service fills it, and the
API app over it through httpx's ASGI transport (no server, the app's lifespan run)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import httpx
import pytest

from services.api.app import create_app
from services.store.database import open_repository
from shared.schemas import EnrichedArticle, StoryEvent
from shared.settings import Settings

Store = Callable[[Sequence[EnrichedArticle], Sequence[StoryEvent]], Awaitable[None]]


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """Writes articles, then story events, through the store's repository."""
    repository = await open_repository(database_url)

    async def write(articles: Sequence[EnrichedArticle], events: Sequence[StoryEvent]) -> None:
        if articles:
            await repository.upsert_many(articles)
        if events:
            await repository.apply_story_events(events)

    try:
        yield write
    finally:
        await repository.close()


@pytest.fixture
async def api(database_url: str, store: Store) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API app over the test's database (migrated by the store first)."""
    app = create_app(Settings(_env_file=None, database_url=database_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield client
