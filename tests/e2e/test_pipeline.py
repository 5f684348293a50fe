"""The three services as separate processes, the way a deployment runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from newswire.demo import wait_until_processed
from newswire.processes import running_services
from services.store.database import open_repository
from shared.schemas import EnrichedArticle
from shared.settings import Settings
from tests.conftest import ROOT, SEEDS
from tests.helpers import stream_events, stream_payloads

pytestmark = pytest.mark.e2e

REQUIRED_NAMES = {"Jens Stoltenberg", "NATO", "China", "Russia", "Ukraine"}


def _replay(settings: Settings) -> list[str]:
    """Replay the seeds with the ingest service; the ids its log says it published."""
    result = subprocess.run(
        [sys.executable, "-m", "services.ingest", "replay", str(SEEDS)],
        env={**settings.child_env(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    return [r["article_id"] for r in records if r["event"] == "article published"]


async def test_seeds_flow_through_three_processes(
    settings: Settings, redis_client: Redis, tmp_path: Path, database_url: str
) -> None:
    settings = settings.model_copy(update={"database_url": database_url})
    with running_services(["enrich", "store"], settings.child_env(), tmp_path / "logs") as procs:
        ingest_traced = _replay(settings)
        first = [e["id"] for e in await stream_events(redis_client, settings.streams.raw)]
        assert ingest_traced == first  # the same article ids through all three services
        assert len(first) == 3
        stored = await wait_until_processed(settings, first, procs, timeout_s=180)
        _replay(settings)  # the same seeds again: same ids, so no new rows
        raw_ids = [e["id"] for e in await stream_events(redis_client, settings.streams.raw)]
        assert raw_ids == first + first
        await wait_until_processed(settings, first, procs, timeout_s=180)
        enriched_payloads = await stream_payloads(redis_client, settings.streams.enriched)
        exit_codes = [p.stop() for p in procs]

    assert exit_codes == [0, 0]
    repository = await open_repository(settings.database_url)
    try:
        assert await repository.count() == 3
    finally:
        await repository.close()
    for article in stored:
        assert {e.text for e in article.entities} >= REQUIRED_NAMES
    for name, event in [("enrich", "article enriched"), ("store", "article stored")]:
        lines = (tmp_path / "logs" / f"{name}.log").read_text().splitlines()
        records = [json.loads(line) for line in lines]  # every line is structured
        traced = [r["article_id"] for r in records if r["event"] == event]
        assert sorted(traced) == sorted(first + first), name
    # Six events went out (two replays); each is plain JSON of the enriched schema.
    assert len(enriched_payloads) == 6
    on_stream = {EnrichedArticle.model_validate_json(p).id for p in enriched_payloads}
    assert on_stream == set(first)
