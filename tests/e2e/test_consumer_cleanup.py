"""Replicas leave their consumer group when they stop, and the crashed are forgotten."""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from newswire.processes import ServiceProcess
from shared.settings import Settings
from shared.streams import STORE_GROUP, text_of
from tests.helpers import enriched_article, publish_events, wait_until_drained

pytestmark = pytest.mark.e2e

_WAIT_S = 120


async def _consumers(client: Redis, settings: Settings) -> set[str]:
    """The store group's consumers on both of its streams."""
    names: set[str] = set()
    for stream in (settings.streams.enriched, settings.streams.stories):
        if await client.exists(stream):
            names |= {text_of(c["name"]) for c in await client.xinfo_consumers(stream, STORE_GROUP)}
    return names


async def _wait_for_consumers(
    client: Redis, settings: Settings, wanted: set[str], procs: list[ServiceProcess]
) -> None:
    deadline = time.monotonic() + _WAIT_S
    while (found := await _consumers(client, settings)) != wanted:
        for proc in procs:
            assert proc.exit_code is None, proc.log_tail()
        assert time.monotonic() < deadline, f"consumers {found}, wanted {wanted}"
        await anyio.sleep(0.2)


def _store(settings: Settings, name: str, logs: Path, **env: str) -> ServiceProcess:
    return ServiceProcess(
        "store", {**settings.child_env(), "CONSUMER_NAME": name, **env}, logs / name
    )


async def test_a_stopped_replica_leaves_and_a_restart_adds_only_itself(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    for run in ("first", "second"):  # a down and an up
        store = _store(settings, run, tmp_path)
        try:
            await _wait_for_consumers(redis_client, settings, {run}, [store])
            await publish_events(redis_client, settings.streams.enriched, [enriched_article(run)])
            await wait_until_drained(redis_client, settings.streams.enriched, STORE_GROUP)
        finally:
            assert store.stop() == 0
        assert await _consumers(redis_client, settings) == set()
        assert "left consumer group" in store.log_tail(40)


async def test_a_crashed_replica_is_forgotten_by_the_live_one(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    quick = {"CONSUMER_IDLE_S": "1", "RECLAIM_INTERVAL_S": "0.2"}
    crashed = _store(settings, "crashed", tmp_path, **quick)
    live = _store(settings, "live", tmp_path, **quick)
    try:
        await _wait_for_consumers(redis_client, settings, {"crashed", "live"}, [crashed, live])
        crashed.kill()  # SIGKILL: no chance to leave
        await _wait_for_consumers(redis_client, settings, {"live"}, [live])
    finally:
        live.stop()
        crashed.stop()
