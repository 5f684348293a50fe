"""The stories lease against a real Redis: one holder, a waiting standby, loss noticed."""

from __future__ import annotations

import anyio
import pytest
from redis.asyncio import Redis

from services.stories.lease import Lease
from shared.settings import Settings

pytestmark = pytest.mark.integration


async def test_one_holder_a_waiting_standby_and_a_takeover_after_release(
    settings: Settings, redis_client: Redis
) -> None:
    key = settings.streams.key("stories", "lease")
    first = Lease(redis_client, key, "first", ttl_s=1)
    second = Lease(redis_client, key, "second", ttl_s=1)
    await first.acquire()
    assert await first.held()
    with anyio.move_on_after(1.5) as waited:  # longer than the expiry: renewal keeps it
        async with first.kept(on_lost=lambda: pytest.fail("lost a renewed lease")):
            await second.acquire()
    assert waited.cancelled_caught
    assert not await second.held()
    assert await redis_client.get(key) is None  # let go at the end of the block
    with anyio.fail_after(5):
        await second.acquire()
    assert await second.held()
    assert await redis_client.get(key) == b"second"


async def test_a_holder_whose_lease_was_taken_is_told_and_lets_nothing_go(
    settings: Settings, redis_client: Redis
) -> None:
    key = settings.streams.key("stories", "lease")
    lease = Lease(redis_client, key, "holder", ttl_s=1)
    await lease.acquire()
    lost = anyio.Event()
    with anyio.fail_after(5):
        async with lease.kept(on_lost=lost.set):
            # As if the holder had stalled past the expiry and another replica took over.
            await redis_client.set(key, "usurper")
            await lost.wait()
    assert not await lease.held()
    assert await redis_client.get(key) == b"usurper"  # its lease, not ours to delete
