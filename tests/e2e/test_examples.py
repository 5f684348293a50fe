"""The consumer examples (examples/) work against a real Redis, without the project's code."""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from services.store.database import open_repository
from shared.service import reclaim_policy
from shared.settings import Settings
from shared.trim import trim_stream
from tests.conftest import ROOT
from tests.helpers import enriched_article, publish_events

pytestmark = pytest.mark.e2e

EXAMPLES = ROOT / "examples"
PROJECT_PACKAGES = {"shared", "services", "newswire", "evaluation", "tools", "tests", "bench"}


async def _publish(client: Redis, stream: str, ids: list[str]) -> None:
    events = [enriched_article(article_id, title=f"Headline {article_id}") for article_id in ids]
    await publish_events(client, stream, events)


def test_the_python_example_imports_nothing_of_the_project() -> None:
    tree = ast.parse((EXAMPLES / "consume_enriched.py").read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert not imported & PROJECT_PACKAGES
    assert imported - {"__future__"} <= set(sys.stdlib_module_names) | {"redis"}


async def test_the_python_example_reads_acknowledges_and_resumes(
    settings: Settings, redis_client: Redis
) -> None:
    stream = settings.streams.enriched
    await _publish(redis_client, stream, ["e1", "e2", "e3"])
    command = [
        sys.executable,
        str(EXAMPLES / "consume_enriched.py"),
        "--redis-url",
        settings.require_redis_url(),
        "--stream",
        stream,
        "--group",
        "example-app",
        "--block-ms",
        "500",
    ]
    with anyio.fail_after(60):
        first = await anyio.run_process([*command, "--count", "2"], check=False)
        second = await anyio.run_process([*command, "--count", "1"], check=False)
    assert first.returncode == 0, first.stderr
    assert [json.loads(line)["id"] for line in first.stdout.splitlines()] == ["e1", "e2"]
    assert [json.loads(line)["id"] for line in second.stdout.splitlines()] == ["e3"]
    pending = await redis_client.xpending(stream, "example-app")
    assert pending["pending"] == 0


async def test_the_shell_example_reads_with_its_own_group(
    settings: Settings, redis_client: Redis
) -> None:
    stream = settings.streams.enriched
    await _publish(redis_client, stream, ["s1", "s2"])
    with anyio.fail_after(60):
        result = await anyio.run_process(
            ["sh", str(EXAMPLES / "consume_enriched.sh"), "shell-app", "me"],
            env={**os.environ, "REDIS_URL": settings.require_redis_url(), "STREAM": stream},
            check=False,
        )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    events = [json.loads(line) for line in lines if line.startswith("{")]
    assert [e["id"] for e in events] == ["s1", "s2"]
    groups = await redis_client.xinfo_groups(stream)
    assert [g["name"] for g in groups] == [b"shell-app"]


async def test_a_consumer_started_after_the_demo_reads_the_seeds_from_the_start(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    # The demo's own settings: trimming on, as in any deployment.
    env = {
        **os.environ,
        "REDIS_URL": settings.require_redis_url(),
        "STREAM_PREFIX": settings.stream_prefix,
        "DATABASE_URL": settings.database_url,
    }
    newswire = Path(sys.executable).parent / "newswire"
    with anyio.fail_after(600):
        demo = await anyio.run_process(
            [newswire, "demo", "--logs", tmp_path / "logs"], env=env, cwd=ROOT, check=False
        )
        assert demo.returncode == 0, demo.stdout.decode() + demo.stderr.decode()
        # However the demo's timing fell: one more of the trimming passes the store makes.
        enriched = settings.streams.enriched
        policy = reclaim_policy(settings, enriched, count=1)
        await trim_stream(redis_client, enriched, policy.retention)
        stored = json.loads(
            (await anyio.run_process([newswire, "stats", "--json"], env=env)).stdout
        )
        late = await anyio.run_process(
            [
                sys.executable,
                str(EXAMPLES / "consume_enriched.py"),
                "--redis-url",
                settings.require_redis_url(),
                "--stream",
                settings.streams.enriched,
                "--group",
                "started-later",
                "--count",
                "3",
            ],
            check=False,
        )
    assert late.returncode == 0, late.stderr
    ids = [json.loads(line)["id"] for line in late.stdout.splitlines()]
    assert len(set(ids)) == 3
    assert stored["rows_stored"] == 3
    repository = await open_repository(settings.database_url)
    try:
        assert set(ids) == {article.id for article in await repository.list_articles()}
    finally:
        await repository.close()
    # Acknowledged by the store, yet kept for readers (the retention window).
    lengths = {s["stream"]: s["length"] for s in stored["streams"]}
    assert lengths[settings.streams.enriched] == 3
