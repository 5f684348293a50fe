"""The enrich service's FastStream app: raw articles in, enriched articles out."""

from __future__ import annotations

import anyio
from faststream import FastStream

from services.enrich.enricher import Enricher
from shared.broker import make_broker
from shared.consumer import Stage
from shared.logging import get_logger
from shared.metrics import ServiceMetrics
from shared.schemas import DeadLetter, EnrichedArticle, RawArticle
from shared.service import stage_app
from shared.settings import Settings
from shared.streams import ENRICH_GROUP

log = get_logger(__name__)


def create_app(
    settings: Settings, enricher: Enricher, metrics: ServiceMetrics | None = None
) -> FastStream:
    """Wire the enricher between the raw and enriched streams of `settings`."""
    streams = settings.streams
    broker = make_broker(settings, metrics)
    enriched_out = broker.publisher(
        stream=streams.enriched,
        title="enrich.enriched-articles",
        description="Articles with language, entities, IPTC topics and keyphrases.",
        schema=EnrichedArticle,
    )
    dead_letters = broker.publisher(
        stream=streams.dead, title="enrich.dead-letters", schema=DeadLetter
    )
    # One NLP run at a time: the pipeline is not made for concurrent use.
    nlp_slot = anyio.CapacityLimiter(1)

    async def enrich_and_publish(articles: list[RawArticle]) -> None:
        enriched = await anyio.to_thread.run_sync(enricher.enrich, articles, limiter=nlp_slot)
        for article in enriched:
            await enriched_out.publish(article)
            log.info(
                "article enriched",
                article_id=article.id,
                entities=len(article.entities),
                topics=len(article.topics),
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
        stage,
        batch_size=settings.enrich_batch_size,
        title="enrich.raw-articles",
        metrics=metrics,
    )
