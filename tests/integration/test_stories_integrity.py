"""The stories state under crashes, takeovers and bad dates, against a real Redis.

Deterministic: a crash is a new desk on the same keys, a pause past the lease is a lease whose
key went away and was taken by another replica.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from services.stories.clustering import StoryClusterer
from services.stories.desk import StoryDesk
from services.stories.lease import Lease, lease_key
from services.stories.state import Fence, LeaseLostError, RedisStoryState
from shared.english import english_zipf
from shared.settings import Settings
from tests.helpers import enriched_article
from tests.integration.test_stories_state import STORM, _greyport
from tests.unit.test_stories_logic import BASE, REWRITE

pytestmark = pytest.mark.integration

WINDOW = timedelta(days=3)
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _desk(client: Redis, settings: Settings, owner: str | None = None) -> StoryDesk:
    fence = Fence(lease_key(settings.streams), owner) if owner else None
    state = RedisStoryState(
        client, settings.streams, window=WINDOW, retention=timedelta(days=30), fence=fence
    )
    return StoryDesk(state, english_zipf, StoryClusterer(window=WINDOW))


async def test_a_redelivery_after_a_crash_emits_the_snapshot_of_a_story_not_loaded(
    settings: Settings, redis_client: Redis
) -> None:
    desk = _desk(redis_client, settings)
    await desk.start()
    (old,) = await desk.place([_greyport("old", "Bridge to be mended", BASE, T0, "A")])
    # A backlog spanning more than the window: the newer article makes the old story leave.
    await desk.place([_greyport("new", "Bridge shut", REWRITE, T0 + timedelta(days=20), "B")])
    # The process died after saving, before publishing; a new one gets the batch again.
    restarted = _desk(redis_client, settings)
    await restarted.start()
    assert old.article.story_id is not None
    assert not restarted.clusterer.holds(old.article.story_id)
    (again,) = await restarted.place([_greyport("old", "Bridge to be mended", BASE, T0, "A")])
    assert again.article.story_id == old.article.story_id
    (event,) = again.events
    assert (event.story_id, event.version, event.members) == (
        old.article.story_id,
        old.events[0].version,
        ("old",),
    )


async def test_far_future_and_ancient_dates_neither_empty_the_index_nor_fail_a_batch(
    settings: Settings, redis_client: Redis
) -> None:
    now = datetime.now(UTC)
    desk = _desk(redis_client, settings)
    await desk.start()
    first = _greyport("g1", "Bridge to be mended", BASE, now - timedelta(hours=2), "A")
    year_9999 = _greyport("g2", "Bridge", BASE, datetime(9999, 12, 31, tzinfo=UTC), "B")
    year_1 = _greyport("g3", "Bridge", REWRITE, datetime(1, 1, 1, tzinfo=UTC), "C")
    placed = await desk.place([first, year_9999, year_1])
    assert [p.error for p in placed] == [None, None, None]
    # State written before this release may hold a far-future score already.
    await redis_client.zadd(settings.streams.key("stories", "active"), {"story-poison": 2.5e11})
    restarted = _desk(redis_client, settings)
    await restarted.start()
    story_id = placed[0].article.story_id
    assert story_id is not None
    assert restarted.clusterer.holds(story_id)  # the index kept its recent stories
    (joined,) = await restarted.place(
        [_greyport("g4", "Bridge repairs", REWRITE, now - timedelta(hours=1), "D")]
    )
    assert joined.article.story_id == story_id


async def test_a_holder_paused_past_its_lease_cannot_write_over_its_successor(
    settings: Settings, redis_client: Redis
) -> None:
    key = lease_key(settings.streams)
    paused, successor = (
        Lease(redis_client, key, "paused", ttl_s=5),
        Lease(redis_client, key, "successor", ttl_s=5),
    )
    await paused.acquire()
    old_desk = _desk(redis_client, settings, owner="paused")
    await old_desk.start()
    await old_desk.place([_greyport("a1", "Bridge to be mended", BASE, T0, "A")])
    # Frozen past the expiry: the key goes, the standby takes the lease and works on.
    await redis_client.delete(key)
    await successor.acquire()
    new_desk = _desk(redis_client, settings, owner="successor")
    await new_desk.start()
    await new_desk.place([enriched_article("s1", text=STORM, published_at=T0)])
    state_before = await _state_keys(redis_client, settings)
    # The old holder wakes up and finishes the batch it had in hand: refused, nothing written.
    with pytest.raises(LeaseLostError):
        await old_desk.place([_greyport("a2", "Bridge repairs", REWRITE, T0, "B")])
    assert await _state_keys(redis_client, settings) == state_before
    (placed,) = await new_desk.place([_greyport("a2", "Bridge", REWRITE, T0, "B")])
    assert placed.article.story_id is not None  # the holder of the lease goes on as usual


async def _state_keys(client: Redis, settings: Settings) -> dict[bytes, object]:
    keys = sorted([k async for k in client.scan_iter(match=settings.streams.key("stories", "*"))])
    values: dict[bytes, object] = {}
    for key in keys:
        kind = await client.type(key)
        if kind == b"string":
            values[key] = await client.get(key)
        elif kind == b"zset":
            values[key] = await client.zrange(key, 0, -1, withscores=True)
    return values
