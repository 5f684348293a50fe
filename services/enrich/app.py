"""The enrich service's FastStream app: raw articles in, enriched articles out."""

from __future__ import annotations

from typing import Any

import anyio
from faststream import FastStream
from faststream.redis.annotations import RedisBatchStreamMessage

from services.enrich.enricher import Enricher
from shared.broker import group_batches, make_app, make_broker
from shared.consumer import accept_batch, ensure_groups
from shared.logging import get_logger
from shared.schemas import DeadLetter, EnrichedArticle, RawArticle
from shared.settings import Settings
from shared.streams import ENRICH_GROUP

log = get_logger(__name__)


def create_app(settings: Settings, enricher: Enricher) -> FastStream:
    """Wire the enricher between the raw and enriched streams of `settings`."""
    streams = settings.streams
    broker = make_broker(settings)
    enriched_out = broker.publisher(
        stream=streams.enriched,
        title="enriched-articles",
        description="Articles with entities and topics, one EnrichedArticle JSON per entry.",
        schema=EnrichedArticle,
    )
    dead_letters = broker.publisher(stream=streams.dead, title="dead-letters", schema=DeadLetter)
    # One NLP run at a time: the pipeline is not made for concurrent use.
    nlp_slot = anyio.CapacityLimiter(1)

    @broker.subscriber(
        stream=group_batches(streams.raw, ENRICH_GROUP, settings, settings.enrich_batch_size),
        title="raw-articles",
    )
    async def on_raw_articles(body: list[Any], message: RedisBatchStreamMessage) -> None:
        articles = await accept_batch(
            body, message, RawArticle, stage=ENRICH_GROUP, dead_letters=dead_letters
        )
        if not articles:
            return
        enriched = await anyio.to_thread.run_sync(enricher.enrich, articles, limiter=nlp_slot)
        for article in enriched:
            await enriched_out.publish(article)
            log.info(
                "article enriched",
                article_id=article.id,
                entities=len(article.entities),
                topics=len(article.topics),
            )

    async def create_groups() -> None:
        await ensure_groups(settings, [(streams.raw, ENRICH_GROUP)])

    return make_app(broker, on_startup=[create_groups])
