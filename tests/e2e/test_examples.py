"""The consumer examples (examples/) work against a real Redis, without the project's code."""

from __future__ import annotations

import ast
import json
import os
import sys

import anyio
import pytest
from redis.asyncio import Redis

from shared.settings import Settings
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
