"""The store service's FastStream app: enriched articles and story events in, rows out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream import FastStream

from services.store.database import open_repository
from services.store.repository import ArticleRepository
from shared.broker import dead_letter_stream, make_broker
from shared.consumer import Stage
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.schemas import DeadLetter, EnrichedArticle, StoryEvent
from shared.service import Subscription, stage_app
from shared.settings import Settings
from shared.streams import STORE_GROUP

log = get_logger(__name__)

RepositoryFactory = Callable[[str], Awaitable[ArticleRepository]]
"""Opens the repository a database URL names (`open_repository` by default)."""


class _RepositorySlot:
    """The repository the handler writes to: opened at startup, closed at shutdown."""

    def __init__(self, factory: RepositoryFactory, database_url: str) -> None:
        self._factory = factory
        self._database_url = database_url
        self._repository: ArticleRepository | None = None

    @property
    def repository(self) -> ArticleRepository:
        if self._repository is None:
            msg = "the store's repository is not open (the app has not started)"
            raise RuntimeError(msg)
        return self._repository

    async def open(self) -> None:
        self._repository = await self._factory(self._database_url)

    async def reachable(self) -> bool:
        """Whether the database answers (the reclaimer waits while it does not)."""
        try:
            return await self.repository.ping()
        except Exception:
            return False

    async def close(self) -> None:
        repository, self._repository = self._repository, None
        if repository is not None:
            await repository.close()


def create_app(
    settings: Settings,
    repository_factory: RepositoryFactory = open_repository,
    metrics: ServiceMetrics | None = None,
) -> FastStream:
    """Wire the enriched and stories streams of `settings` to the repository it opens.

    Each batch is validated (bad entries become dead letters), upserted in one transaction and
    acknowledged only when the handler returns; if the upsert raises, nothing is acknowledged.
    """
    streams = settings.streams
    broker = make_broker(settings, metrics)
    dead_letters = broker.publisher(
        stream=dead_letter_stream(settings), title="store.dead-letters", schema=DeadLetter
    )
    slot = _RepositorySlot(repository_factory, settings.database_url)

    async def store(articles: list[EnrichedArticle]) -> None:
        await slot.repository.upsert_many(articles)
        for article in articles:
            log.info("article stored", article_id=article.id, revision=article.revision)

    async def store_stories(events: list[StoryEvent]) -> None:
        await slot.repository.apply_story_events(events)
        for event in events:
            log.info(
                "story stored",
                article_id=event.article_id,
                story_id=event.story_id,
                kind=event.kind,
                version=event.version,
            )

    articles = Stage(
        group=STORE_GROUP,
        stream=streams.enriched,
        model=EnrichedArticle,
        work=store,
        dead_letters=dead_letters.publish,
        ready=slot.reachable,
    )
    stories = Stage(
        group=STORE_GROUP,
        stream=streams.stories,
        model=StoryEvent,
        work=store_stories,
        dead_letters=dead_letters.publish,
        ready=slot.reachable,
    )
    # The repository is closed after the broker has stopped: FastStream's on_shutdown hooks run
    # while a batch may still be in the handler, and broker.stop() waits for it.
    return stage_app(
        settings,
        broker,
        [
            Subscription(articles, settings.store_batch_size, "store.enriched-articles"),
            Subscription(stories, settings.store_batch_size, "store.story-events"),
        ],
        on_startup=[slot.open],
        after_shutdown=[slot.close],
        metrics=metrics,
    )
