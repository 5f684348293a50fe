"""The store app against a real Redis and a real SQLite file, in-process and as a process."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Sequence

import aiosqlite
import anyio
import asyncpg
import pytest
from redis.asyncio import Redis

from services.store.app import create_app
from services.store.database import open_repository
from services.store.repository import ArticleRepository
from shared.database_url import parse_database_url
from shared.schemas import EnrichedArticle
from shared.settings import Settings
from shared.streams import STORE_GROUP
from tests.conftest import ROOT
from tests.helpers import (
    enriched_article,
    publish_events,
    stream_events,
    wait_for_length,
    wait_until_drained,
)

pytestmark = pytest.mark.integration

DEADLINE_S = 60.0


async def _wait_until_stored(
    repository: ArticleRepository, ids: Sequence[str]
) -> list[EnrichedArticle]:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        stored = await repository.list_articles(ids)
        if len(stored) == len(ids):
            return stored
        assert time.monotonic() < deadline, f"only {len(stored)} of {len(ids)} stored"
        await anyio.sleep(0.1)


async def _pending(client: Redis, stream: str) -> int:
    info = await client.xpending(stream, STORE_GROUP)
    return int(info["pending"])


async def test_backlog_and_new_articles_are_stored_and_bad_entries_dead_lettered(
    settings: Settings, redis_client: Redis
) -> None:
    streams = settings.streams
    backlog = [enriched_article("b1", title="Backlog one"), enriched_article("b2")]
    # Written before the service ever ran: a group made at `$` would never see these.
    await publish_events(redis_client, streams.enriched, backlog)
    await redis_client.xadd(streams.enriched, {"__data__": b"{not json"})
    wrong_version = {**enriched_article("v2").model_dump(mode="json"), "schema_version": 2}
    await redis_client.xadd(streams.enriched, {"__data__": json.dumps(wrong_version)})
    live = [enriched_article("l1"), enriched_article("b1", title="Backlog one, revised")]

    async with create_app(settings):
        await publish_events(redis_client, streams.enriched, live)
        await wait_until_drained(redis_client, streams.enriched, STORE_GROUP, DEADLINE_S)
        await wait_for_length(redis_client, streams.dead, 2, DEADLINE_S)
        pending = await _pending(redis_client, streams.enriched)

    repository = await open_repository(settings.database_url)
    try:
        stored = {a.id: a for a in await repository.list_articles()}
        count = await repository.count()
    finally:
        await repository.close()
    assert count == 3
    assert stored == {"b1": live[1], "b2": backlog[1], "l1": live[0]}
    assert pending == 0
    dead = await stream_events(redis_client, streams.dead)
    assert [(d["stage"], d["article_id"]) for d in dead] == [("store", None), ("store", "v2")]
    assert all(d["stream"] == streams.enriched for d in dead)
    assert "not a JSON object" in dead[0]["error"]
    assert "schema_version 2" in dead[1]["error"]


async def test_a_failing_upsert_loses_nothing(settings: Settings, redis_client: Redis) -> None:
    streams = settings.streams
    sqlite_path = parse_database_url(settings.database_url).location
    fast = settings.model_copy(update={"retry_backoff_s": 0.01})

    async with create_app(fast):
        # A real failure of the real store: its table is gone from under it (the database
        # still answers, so the entries are tried, and dead-lettered when they keep failing).
        async with aiosqlite.connect(sqlite_path) as db:
            await db.execute("DROP TABLE articles")
            await db.commit()
        await publish_events(
            redis_client, streams.enriched, [enriched_article("a1"), enriched_article("a2")]
        )
        await wait_for_length(redis_client, streams.dead, 2, DEADLINE_S)
        await wait_until_drained(redis_client, streams.enriched, STORE_GROUP, DEADLINE_S)

    dead = await stream_events(redis_client, streams.dead)
    assert sorted(d["article_id"] for d in dead) == ["a1", "a2"]
    for letter in dead:
        assert letter["error"].startswith(f"not processed after {fast.max_deliveries} deliveries")
        assert "no such table: articles" in letter["error"]
        assert EnrichedArticle.model_validate_json(letter["payload"]).id == letter["article_id"]


async def test_the_service_process_stores_and_exits_cleanly_on_sigterm(
    settings: Settings, redis_client: Redis
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.store",
        env={**settings.child_env(), "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        article = enriched_article("p1", title="From a process")
        await publish_events(redis_client, settings.streams.enriched, [article])
        await wait_until_drained(redis_client, settings.streams.enriched, STORE_GROUP, DEADLINE_S)
        process.send_signal(signal.SIGTERM)
        with anyio.fail_after(30):
            output, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()

    log = output.decode(errors="replace")
    assert process.returncode == 0, log
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert any(
        line.get("event") == "article stored" and line.get("article_id") == "p1" for line in lines
    ), log
    repository = await open_repository(settings.database_url)
    try:
        assert await repository.get("p1") == article
    finally:
        await repository.close()


async def _cut_off(server_url: str, database_url: str, *, allowed: bool) -> None:
    # A database outage as the store sees it: no new connections, existing ones dropped.
    name = database_url.rpartition("/")[2]
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
    finally:
        await admin.close()


async def test_a_database_outage_leaves_entries_pending_and_the_store_catches_up(
    settings: Settings, redis_client: Redis, postgres_url: str, postgres_database: str
) -> None:
    settings = settings.model_copy(
        update={
            "database_url": postgres_database,
            "reclaim_min_idle_ms": 200,
            "reclaim_interval_s": 0.1,
            "max_deliveries": 2,  # low: an outage must not count against it
        }
    )
    streams = settings.streams
    first = [enriched_article(f"up-{n}") for n in range(5)]
    during = [enriched_article(f"down-{n}") for n in range(5)]
    checker = await open_repository(postgres_database)
    try:
        async with create_app(settings):
            await publish_events(redis_client, streams.enriched, first)
            await _wait_until_stored(checker, [a.id for a in first])
            await checker.close()
            await _cut_off(postgres_url, postgres_database, allowed=False)
            await publish_events(redis_client, streams.enriched, during)
            await anyio.sleep(2.0)  # ten reclaim rounds with the database away
            assert await _pending(redis_client, streams.enriched) == len(during)
            await _cut_off(postgres_url, postgres_database, allowed=True)
            checker = await open_repository(postgres_database)
            await _wait_until_stored(checker, [a.id for a in first + during])
            await wait_until_drained(redis_client, streams.enriched, STORE_GROUP)
    finally:
        await _cut_off(postgres_url, postgres_database, allowed=True)
        await checker.close()
    assert await redis_client.xlen(streams.dead) == 0
