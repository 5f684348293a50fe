"""Ingest as a process: killed with SIGKILL mid-poll and restarted, it republishes nothing."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from newswire.processes import ServiceProcess
from services.ingest.feedlist import FeedConfig, save_feed_list
from shared.settings import Settings
from tests.feedfactory import rss_feed
from tests.feedserver import FeedRoute, FeedServer
from tests.helpers import stream_events

pytestmark = pytest.mark.e2e

FEEDS, ENTRIES = 60, 20


async def _wait(limit_s: float, check: Callable[[], Awaitable[bool]], message: str) -> None:
    deadline = time.monotonic() + limit_s
    while not await check():
        assert time.monotonic() < deadline, message
        await anyio.sleep(0.05)


async def test_kill_and_restart_republishes_nothing(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    total = FEEDS * ENTRIES
    with FeedServer() as server:
        for n in range(FEEDS):
            # Slow responses and two fetches at a time keep the first round going for seconds,
            # so the kill lands in the middle of it.
            server.set(
                f"/f/{n}",
                FeedRoute(body=rss_feed(feed_no=n, entries=ENTRIES), etag=f'"{n}"', delay=0.1),
            )
        settings = settings.model_copy(
            update={
                "feeds_file": tmp_path / "feeds.toml",
                "feed_initial_spread": 0.0,
                "feed_min_interval": 1.0,
                "feed_max_interval": 1.0,
                "feed_jitter": 0.0,
                "feed_host_concurrency": 2,
            }
        )
        server.set("/broken", FeedRoute(body=b"<html><body>not a feed</body></html>"))
        save_feed_list(
            settings.feeds_file,
            [FeedConfig(url=server.url(f"/f/{n}")) for n in range(FEEDS)]
            + [FeedConfig(url=server.url("/broken"))],
        )
        env = settings.child_env()
        raw = settings.streams.raw

        first = ServiceProcess("ingest", env, tmp_path / "logs-1", args=["poll"])
        try:

            async def some_published() -> bool:
                return bool(await redis_client.xlen(raw))

            await _wait(60, some_published, "ingest published nothing")
        finally:
            first.kill()
        at_kill = await redis_client.xlen(raw)

        server.clear_requests()
        second = ServiceProcess("ingest", env, tmp_path / "logs-2", args=["poll"])
        try:

            async def all_published() -> bool:
                return bool(await redis_client.xlen(raw) >= total)

            await _wait(120, all_published, "ingest did not finish after the restart")

            # A full second round after the restart: every feed asked conditionally.
            async def rounds_done() -> bool:
                asked = {r.path for r in server.requests() if "if-none-match" in r.headers}
                return len(asked) == FEEDS

            await _wait(60, rounds_done, "no conditional round after the restart")
        finally:
            exit_code = second.stop()

    events = await stream_events(redis_client, raw)
    assert exit_code == 0
    assert at_kill < total, "the kill came after the first round; nothing was interrupted"
    assert len(events) == total
    assert max(Counter(e["id"] for e in events).values()) == 1
    # The hostile feed is an error of its own in the (structured) log; the rest went on.
    records = [
        json.loads(line) for line in (tmp_path / "logs-2" / "ingest.log").read_text().splitlines()
    ]
    failures = [r for r in records if r["event"] == "feed poll failed"]
    assert failures
    assert {r["feed"] for r in failures} == {server.url("/broken")}
    assert all("not a feed" in r["error"] for r in failures)
