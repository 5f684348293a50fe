"""The stories service's FastStream app: analysed articles in; enriched articles with their
story, and story events, out.

One consumer: clustering is online and order-dependent, and cheap next to the NLP, so a single
replica (the `stories` group; `deploy/` runs one) sees every article in one consistent order,
and its state lives in Redis so a restarted replica carries on with the same story ids. Enrich,
the costly stage, scales out in front of it.
"""

from __future__ import annotations

from datetime import timedelta

from faststream import FastStream
from redis.asyncio import Redis

from services.stories.config import clusterer_for, story_window, time_bounds_for
from services.stories.desk import StoryDesk
from services.stories.lease import lease_key
from services.stories.state import Fence, RedisStoryState
from shared.broker import dead_letter_stream, make_broker
from shared.consumer import Failures, Stage
from shared.english import english_zipf
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.schemas import DeadLetter, EnrichedArticle, StoryEvent
from shared.service import Subscription, stage_app
from shared.settings import Settings
from shared.streams import STORIES_GROUP

log = get_logger(__name__)


def create_app(settings: Settings, metrics: ServiceMetrics | None = None) -> FastStream:
    """Wire a `StoryDesk` (state in Redis) between the analysed, enriched and stories streams."""
    streams = settings.streams
    broker = make_broker(settings, metrics)
    enriched_out = broker.publisher(
        stream=streams.enriched,
        title="stories.enriched-articles",
        description="Articles with language, entities, IPTC topics, keyphrases, near-copy "
        "and story: the pipeline's output.",
        schema=EnrichedArticle,
    )
    stories_out = broker.publisher(
        stream=streams.stories,
        title="stories.story-events",
        description="A story was created, took an article in, or absorbed other stories.",
        schema=StoryEvent,
    )
    dead_letters = broker.publisher(
        stream=dead_letter_stream(settings), title="stories.dead-letters", schema=DeadLetter
    )
    client = Redis.from_url(settings.require_redis_url())
    state = RedisStoryState(
        client,
        streams,
        window=story_window(settings),
        retention=timedelta(days=settings.story_retention_days),
        # Written only while this replica holds the lease `__main__` took under its name.
        fence=Fence(lease_key(streams), settings.consumer_name),
    )
    desk = StoryDesk(state, english_zipf, clusterer_for(settings), time_bounds_for(settings))

    async def place_and_publish(articles: list[EnrichedArticle]) -> Failures:
        failed: dict[int, str] = {}
        for position, placed in enumerate(await desk.place(articles)):
            if placed.error is not None:
                failed[position] = placed.error
                continue
            await enriched_out.publish(placed.article)
            for event in placed.events:
                await stories_out.publish(event)
            log.info(
                "article placed",
                article_id=placed.article.id,
                story_id=placed.article.story_id,
                duplicate_of=placed.article.duplicate_of,
                events=[e.kind for e in placed.events],
            )
        return failed

    stage = Stage(
        group=STORIES_GROUP,
        stream=streams.analysed,
        model=EnrichedArticle,
        work=place_and_publish,
        dead_letters=dead_letters.publish,
    )
    return stage_app(
        settings,
        broker,
        [Subscription(stage, settings.stories_batch_size, "stories.analysed-articles")],
        on_startup=[desk.start],
        after_shutdown=[client.aclose],
        metrics=metrics,
    )
