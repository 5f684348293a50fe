"""Small helpers the integration and end-to-end tests share."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

import anyio
import httpx
from pydantic import BaseModel
from redis.asyncio import Redis

from shared.schemas import EnrichedArticle, ModelRef, SourceRef
from shared.streams import group_drained


async def stream_payloads(client: Redis, stream: str) -> list[bytes]:
    """The raw `__data__` payload of every entry, oldest first."""
    entries = cast("list[tuple[bytes, dict[bytes, bytes]]]", await client.xrange(stream))
    return [fields[b"__data__"] for _, fields in entries]


async def stream_events(client: Redis, stream: str) -> list[dict[str, Any]]:
    """Every entry's event read as an outside consumer would: plain Redis, plain JSON."""
    return [json.loads(payload) for payload in await stream_payloads(client, stream)]


async def wait_for_length(client: Redis, stream: str, length: int, timeout_s: float = 60) -> None:
    """Wait (bounded) until `stream` holds at least `length` entries."""
    deadline = time.monotonic() + timeout_s
    while await client.xlen(stream) < length:
        assert time.monotonic() < deadline, f"{stream} did not reach {length} entries"
        await anyio.sleep(0.1)


async def wait_until_drained(client: Redis, stream: str, group: str, timeout_s: float = 60) -> None:
    """Wait (bounded) until `group` has read and acknowledged every entry of `stream`."""
    deadline = time.monotonic() + timeout_s
    while not await group_drained(client, stream, group):
        assert time.monotonic() < deadline, f"{group} did not drain {stream}"
        await anyio.sleep(0.1)


def enriched_article(article_id: str, **changes: object) -> EnrichedArticle:
    """A minimal valid EnrichedArticle; `changes` override any field."""
    fields: dict[str, object] = {
        "id": article_id,
        "text": f"Body of {article_id}.",
        "ingested_at": datetime(2026, 3, 1, 12, tzinfo=UTC),
        "source": SourceRef(kind="file", name="x.txt"),
        "entities": (),
        "topics": (),
        "model": ModelRef(name="m", version="1"),
        "enriched_at": datetime(2026, 3, 1, 12, 5, tzinfo=UTC),
    }
    return EnrichedArticle.model_validate({**fields, **changes})


async def publish_events(client: Redis, stream: str, events: Iterable[BaseModel]) -> None:
    """XADD each event as the services do: its JSON in the `__data__` field."""
    for event in events:
        await client.xadd(stream, {"__data__": event.model_dump_json()})


async def delete_prefix(client: Redis, prefix: str) -> None:
    """Delete every key under `prefix:` (a test's or a benchmark's own keys)."""
    keys = [key async for key in client.scan_iter(match=f"{prefix}:*")]
    for start in range(0, len(keys), 1000):
        await client.delete(*keys[start : start + 1000])


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[str], timeout_s: float = 180) -> None:
    """Wait (bounded) until 127.0.0.1:`port`/readyz answers 200, while `process` runs."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, "the process exited early"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"port {port} never became ready"
        time.sleep(0.2)
