"""Two enrich processes in one consumer group: the work is shared and the results unchanged."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from evaluation.enrichment import load_gold
from newswire.processes import ServiceProcess
from services.enrich.enricher import Enricher
from services.enrich.nlp import load_pipeline
from services.ingest.app import IngestService
from shared.schemas import EnrichedArticle
from shared.settings import Settings
from shared.streams import ENRICH_GROUP
from tests.conftest import ROOT, SEEDS
from tests.helpers import stream_payloads, wait_for_length

pytestmark = pytest.mark.e2e

GOLD = ROOT / "evaluation" / "gold" / "synthetic.jsonl"
_STARTUP_S = 120.0


def _articles_file(tmp_path: Path) -> Path:
    # The gold set's synthetic articles, as a replayable JSON-lines file.
    path = tmp_path / "articles.jsonl"
    lines = [
        json.dumps({"title": g.article.title, "text": g.article.text})
        for g in load_gold(GOLD, SEEDS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


async def _wait_for_consumers(
    client: Redis, stream: str, count: int, procs: list[ServiceProcess]
) -> None:
    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        for proc in procs:
            assert proc.exit_code is None, proc.log_tail()
        try:
            consumers = await client.xinfo_consumers(stream, ENRICH_GROUP)
        except Exception:
            consumers = []
        if len(consumers) >= count:
            return
        await anyio.sleep(0.2)
    pytest.fail(f"{count} consumers did not join {ENRICH_GROUP} within {_STARTUP_S} s")


def _comparable(article: EnrichedArticle) -> str:
    return article.model_dump_json(include={"id", "language", "entities", "topics", "keyphrases"})


async def test_two_replicas_share_the_work_and_agree_with_one_process(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"enrich_batch_size": 4})
    env = settings.child_env()
    procs = [ServiceProcess("enrich", env, tmp_path / f"replica-{n}") for n in (1, 2)]
    try:
        await _wait_for_consumers(redis_client, settings.streams.raw, 2, procs)
        report = await IngestService(settings).replay([_articles_file(tmp_path)])
        assert not report.errors
        sent = len(report.published)
        await wait_for_length(redis_client, settings.streams.analysed, sent, timeout_s=240)
    finally:
        exit_codes = [p.stop() for p in procs]
    assert exit_codes == [0, 0]

    shares = []
    for proc in procs:
        records = [json.loads(line) for line in proc.log_path.read_text().splitlines()]
        shares.append(sum(1 for r in records if r["event"] == "article enriched"))
    assert sum(shares) == sent
    assert min(shares) > 0, shares  # both cores did work

    on_stream = [
        EnrichedArticle.model_validate_json(p)
        for p in await stream_payloads(redis_client, settings.streams.analysed)
    ]
    raw = [a.article for a in load_gold(GOLD, SEEDS)]
    in_process = Enricher(load_pipeline(settings.spacy_model)).enrich(raw)
    by_id = {a.id: _comparable(a) for a in on_stream}
    assert len(by_id) == sent
    # Same text, same annotations, whichever replica and batch an article landed in.
    expected = {a.id: _comparable(a) for a in in_process}
    assert by_id.keys() == expected.keys()
    assert by_id == expected
