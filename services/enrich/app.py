"""The enrich service's FastStream app: raw articles in, analysed articles out."""

from __future__ import annotations

import anyio
from faststream import FastStream
from redis.asyncio import Redis

from services.enrich.analysis import analyse
from services.enrich.copyindex import RedisCopyIndex
from services.enrich.enricher import Enricher
from shared.broker import dead_letter_stream, make_broker
from shared.consumer import Stage
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.schemas import DeadLetter, EnrichedArticle, RawArticle
from shared.service import Subscription, stage_app
from shared.settings import Settings
from shared.streams import ENRICH_GROUP

log = get_logger(__name__)


def create_app(
    settings: Settings, enricher: Enricher, metrics: ServiceMetrics | None = None
) -> FastStream:
    """Wire the enricher between the raw and analysed streams of `settings`."""
    streams = settings.streams
    broker = make_broker(settings, metrics)
    analysed_out = broker.publisher(
        stream=streams.analysed,
        title="enrich.analysed-articles",
        description="Articles with language, entities, IPTC topics, keyphrases and, for "
        "near-copies, the original they copy; the stories service adds the story.",
        schema=EnrichedArticle,
    )
    dead_letters = broker.publisher(
        stream=dead_letter_stream(settings), title="enrich.dead-letters", schema=DeadLetter
    )
    client = Redis.from_url(settings.require_redis_url())
    copies = RedisCopyIndex(
        client, streams, window_seconds=round(settings.copy_window_hours * 3600)
    )
    # One NLP run at a time: the pipeline is not made for concurrent use.
    nlp_slot = anyio.CapacityLimiter(1)

    async def nlp(articles: list[RawArticle]) -> list[EnrichedArticle]:
        return await anyio.to_thread.run_sync(enricher.enrich, articles, limiter=nlp_slot)

    async def enrich_and_publish(articles: list[RawArticle]) -> None:
        results = await analyse(articles, copies, nlp)
        # The batch's events in one round trip; raising (acknowledging nothing) if any failed.
        async with client.pipeline(transaction=False) as pipe:
            for article in results:
                await analysed_out.publish(article, pipeline=pipe)
            await pipe.execute()
        for article in results:
            log.info(
                "article enriched",
                article_id=article.id,
                entities=len(article.entities),
                topics=len(article.topics),
                duplicate_of=article.duplicate_of,
            )

    stage = Stage(
        group=ENRICH_GROUP,
        stream=streams.raw,
        model=RawArticle,
        work=enrich_and_publish,
        dead_letters=dead_letters.publish,
    )
    return stage_app(
        settings,
        broker,
        [Subscription(stage, settings.enrich_batch_size, "enrich.raw-articles")],
        after_shutdown=[client.aclose],
        metrics=metrics,
    )
