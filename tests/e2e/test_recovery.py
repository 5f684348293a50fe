"""A running service survives its stream being deleted and stops cleanly (processes, Redis)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from newswire.processes import ServiceProcess
from services.ingest.app import IngestService
from services.store.database import open_repository
from shared.settings import Settings
from shared.streams import ENRICH_GROUP
from tests.conftest import ROOT
from tests.helpers import enriched_article, publish_events

pytestmark = pytest.mark.e2e


async def _publish(client: Redis, stream: str, ids: list[str]) -> None:
    await publish_events(client, stream, [enriched_article(article_id) for article_id in ids])


async def _wait_for_rows(
    settings: Settings, count: int, proc: ServiceProcess, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        assert proc.exit_code is None, proc.log_tail()
        repository = await open_repository(settings.database_url)
        try:
            stored = await repository.count()
        finally:
            await repository.close()
        if stored >= count:
            return
        assert time.monotonic() < deadline, f"{stored} of {count} rows\n{proc.log_tail()}"
        await anyio.sleep(0.2)


async def test_store_goes_on_after_its_stream_is_deleted(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    stream = settings.streams.enriched
    store = ServiceProcess("store", settings.child_env(), tmp_path / "logs")
    try:
        await _publish(redis_client, stream, ["before-1", "before-2", "before-3"])
        await _wait_for_rows(settings, 3, store)
        await redis_client.delete(stream)  # group and all: FastStream would stop here
        await anyio.sleep(1.0)
        await _publish(redis_client, stream, ["after-1", "after-2", "after-3"])
        await _wait_for_rows(settings, 6, store)
    finally:
        exit_code = store.stop()
    assert exit_code == 0
    events = [json.loads(line)["event"] for line in store.log_path.read_text().splitlines()]
    assert {"service stopped by itself, starting again", "consumer group recreated"} & set(events)


async def test_sigterm_mid_batch_finishes_and_acknowledges_what_it_holds(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    # Small batches: one must finish within FastStream's 15 s graceful stop even on a loaded
    # machine (32 long articles did not, once, with both cores busy).
    settings = settings.model_copy(update={"enrich_batch_size": 8})
    stream = settings.streams.raw
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    ingest = IngestService(settings)
    report = await ingest.replay(seeds)
    for _ in range(40):  # a backlog of long articles (replays republish), so batches take seconds
        await ingest.replay(seeds)
    enrich = ServiceProcess("enrich", settings.child_env(), tmp_path / "logs")
    deadline = time.monotonic() + 120
    try:
        while not await _holds_entries(redis_client, stream):
            assert enrich.exit_code is None, enrich.log_tail()
            assert time.monotonic() < deadline, "enrich never started a batch"
            await anyio.sleep(0.05)
    finally:
        stopped_at = time.monotonic()
        exit_code = enrich.stop()
        took = time.monotonic() - stopped_at
    assert exit_code == 0
    assert took < 20
    assert report.published
    pending = await redis_client.xpending(stream, ENRICH_GROUP)
    assert pending["pending"] == 0  # the batch in hand was finished and acknowledged
    done = await redis_client.xlen(settings.streams.analysed)
    assert 0 < done < 41 * len(seeds)  # it stopped reading: the rest waits for the next start


async def _holds_entries(client: Redis, stream: str) -> bool:
    try:
        info = await client.xpending(stream, ENRICH_GROUP)
    except ResponseError:  # the group is created by the service at start
        return False
    return int(info["pending"]) > 0
