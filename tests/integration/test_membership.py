"""Consumers leave their group on a clean stop, and the dead are forgotten (real Redis)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from redis.asyncio import Redis

from shared.membership import forget_idle_consumers, leave_group
from shared.streams import ensure_group, text_of

pytestmark = pytest.mark.integration

GROUP = "workers"


async def _consumers(client: Redis, stream: str) -> dict[str, dict[str, Any]]:
    return {text_of(c["name"]): c for c in await client.xinfo_consumers(stream, GROUP)}


async def _stream_read_by(client: Redis, stream: str, reads: dict[str, int]) -> None:
    await ensure_group(client, stream, GROUP)
    for n in range(sum(reads.values())):
        await client.xadd(stream, {"__data__": json.dumps({"n": n})})
    for consumer, count in reads.items():
        await client.xgroup_createconsumer(stream, GROUP, consumer)
        if count:
            await client.xreadgroup(GROUP, consumer, {stream: ">"}, count=count)


async def test_a_consumer_with_nothing_pending_leaves_at_once(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await _stream_read_by(redis_client, stream, {"me": 2, "other": 1})
    entries = await redis_client.xpending_range(stream, GROUP, "-", "+", 10, consumername="me")
    await redis_client.xack(stream, GROUP, *[e["message_id"] for e in entries])

    assert await leave_group(redis_client, stream, GROUP, "me", handover_idle_ms=60_000) == 0
    assert set(await _consumers(redis_client, stream)) == {"other"}


async def test_pending_entries_are_handed_over_ready_to_reclaim(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await _stream_read_by(redis_client, stream, {"me": 1_201, "other": 1})  # 3 rounds of 500

    assert await leave_group(redis_client, stream, GROUP, "me", handover_idle_ms=60_000) == 1_201
    consumers = await _consumers(redis_client, stream)
    assert set(consumers) == {"other"}
    assert consumers["other"]["pending"] == 1_202
    pending = await redis_client.xpending_range(stream, GROUP, "-", "+", 2_000, idle=59_000)
    assert len(pending) == 1_201  # marked idle: the reclaimer takes them on its next pass
    assert all(p["times_delivered"] == 1 for p in pending)  # no delivery counted


async def test_a_consumer_alone_with_pending_entries_stays(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await _stream_read_by(redis_client, stream, {"me": 2})
    assert await leave_group(redis_client, stream, GROUP, "me", handover_idle_ms=60_000) is None
    assert (await _consumers(redis_client, stream))["me"]["pending"] == 2
    # A stream or group that is gone: nothing to leave.
    assert await leave_group(redis_client, f"{stream}:x", GROUP, "me", handover_idle_ms=1) == 0


async def test_only_idle_consumers_with_nothing_pending_are_forgotten(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await _stream_read_by(redis_client, stream, {"crashed": 0, "holding": 1})
    await anyio.sleep(0.3)
    await redis_client.xreadgroup(GROUP, "live", {stream: ">"}, count=1)  # active just now

    assert await forget_idle_consumers(redis_client, stream, GROUP, 200) == ["crashed"]
    assert set(await _consumers(redis_client, stream)) == {"holding", "live"}
    assert await forget_idle_consumers(redis_client, f"{stream}:x", GROUP, 200) == []
