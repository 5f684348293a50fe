"""Two stories processes: one works, the other waits, and takes over when the first dies."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from newswire.processes import ServiceProcess
from shared.schemas import EnrichedArticle
from shared.settings import Settings
from tests.helpers import enriched_article, publish_events, stream_payloads, wait_for_length

pytestmark = pytest.mark.e2e


def _events(proc: ServiceProcess, event: str) -> list[dict[str, object]]:
    lines = proc.log_path.read_text(errors="replace").splitlines()
    return [r for r in map(json.loads, lines) if r.get("event") == event]


async def _wait_for_event(proc: ServiceProcess, event: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not (proc.log_path.exists() and _events(proc, event)):
        assert proc.exit_code is None, proc.log_tail()
        assert time.monotonic() < deadline, f"{proc.name} never logged {event!r}"
        await anyio.sleep(0.1)


def _articles(prefix: str) -> list[EnrichedArticle]:
    return [enriched_article(f"{prefix}{n}", text=f"Harbour bridge vote {n}.") for n in range(5)]


async def test_a_standby_waits_for_the_lease_and_takes_over_when_the_holder_dies(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    settings = settings.model_copy(update={"stories_lease_s": 2, "reclaim_min_idle_ms": 1000})
    env = settings.child_env()
    first = ServiceProcess("stories", env, tmp_path / "first")
    await _wait_for_event(first, "stories lease taken")
    second = ServiceProcess("stories", env, tmp_path / "second")
    try:
        await _wait_for_event(second, "waiting for the stories lease")
        early = [
            enriched_article(f"e{n}", text=f"Harbour bridge vote number {n}.") for n in range(5)
        ]
        await publish_events(redis_client, settings.streams.analysed, early)
        await wait_for_length(redis_client, settings.streams.enriched, 5)
        assert not _events(second, "article placed")  # the standby did nothing

        assert first.kill() == -9
        late = [
            enriched_article(f"l{n}", text=f"Harbour bridge vote number {n}.") for n in range(5)
        ]
        await publish_events(redis_client, settings.streams.analysed, late)
        await _wait_for_event(second, "stories lease taken")
        await wait_for_length(redis_client, settings.streams.enriched, 10)
    finally:
        assert second.stop() == 0
    placed = [
        EnrichedArticle.model_validate_json(p)
        for p in await stream_payloads(redis_client, settings.streams.enriched)
    ]
    assert sorted(a.id for a in placed) == sorted(a.id for a in early + late)
    assert all(a.story_id for a in placed)
    assert {r["article_id"] for r in _events(second, "article placed")} == {a.id for a in late}
