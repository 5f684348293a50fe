"""Delivery guarantees against a real Redis: reclaiming, retry limits, group recovery, trimming."""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any, cast

import anyio
import pytest
from redis.asyncio import Redis

from shared.broker import make_broker
from shared.consumer import Stage, StageUnavailable
from shared.isolation import RetryPolicy, handle_isolating
from shared.reclaim import Reclaimer, ReclaimPolicy
from shared.schemas import DeadLetter, RawArticle
from shared.service import Subscription, stage_app
from shared.settings import Settings
from shared.streams import ensure_group
from shared.trim import Retention, trim_stream
from shared.wire import Entry
from tests.helpers import enriched_article

pytestmark = pytest.mark.integration

GROUP = "workers"
FAST = ReclaimPolicy(
    min_idle_ms=100,
    max_deliveries=3,
    backoff_s=0.01,
    interval_s=0.05,
    count=4,
    trim=False,
    retention=None,
    forget_idle_ms=60_000,
)


class Recorder:
    """The stage's work and dead-letter sink, writing down what they were given."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.done: list[str] = []
        self.dead: list[DeadLetter] = []
        self.failing = failing or set()
        self.ready = True
        self.tries: Counter[str] = Counter()

    async def work(self, articles: list[RawArticle]) -> None:
        self.tries.update(a.id for a in articles)
        for article in articles:
            if article.id in self.failing:
                msg = f"cannot process {article.id}"
                raise ValueError(msg)
        self.done.extend(a.id for a in articles)

    async def dead_letter(self, letter: DeadLetter) -> None:
        self.dead.append(letter)

    async def is_ready(self) -> bool:
        return self.ready


def _stage(stream: str, recorder: Recorder) -> Stage[RawArticle]:
    return Stage(
        group=GROUP,
        stream=stream,
        model=RawArticle,
        work=recorder.work,
        dead_letters=recorder.dead_letter,
        ready=recorder.is_ready,
    )


def _payload(article_id: str) -> dict[str, Any]:
    event = enriched_article(article_id).model_dump(mode="json")
    keep = set(RawArticle.model_fields)
    return {k: v for k, v in event.items() if k in keep}


async def _publish(client: Redis, stream: str, ids: list[str]) -> list[bytes]:
    return [
        cast("bytes", await client.xadd(stream, {"__data__": json.dumps(_payload(article_id))}))
        for article_id in ids
    ]


async def _entry_ids(client: Redis, stream: str) -> list[bytes]:
    entries = cast("list[tuple[bytes, dict[bytes, bytes]]]", await client.xrange(stream))
    return [entry_id for entry_id, _ in entries]


async def _read_as(client: Redis, stream: str, consumer: str, count: int) -> None:
    # A consumer that reads and then dies: its entries stay pending under its name.
    await client.xreadgroup(GROUP, consumer, {stream: ">"}, count=count)


async def _pending(client: Redis, stream: str) -> int:
    return int((await client.xpending(stream, GROUP))["pending"])


async def _settle_all(reclaimer: Reclaimer, rounds: int = 20) -> None:
    # Bounded: each round waits out the idle time and reclaims whatever is due.
    for _ in range(rounds):
        await anyio.sleep(FAST.min_idle_ms / 1000 + 0.05)
        await reclaimer.reclaim_once()


async def test_entries_of_a_dead_consumer_are_taken_over_and_acknowledged(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await ensure_group(redis_client, stream, GROUP)
    await _publish(redis_client, stream, ["a1", "a2", "a3", "a4", "a5"])
    await _read_as(redis_client, stream, "dead-1", 5)
    assert await _pending(redis_client, stream) == 5

    recorder = Recorder()
    reclaimer = Reclaimer(redis_client, _stage(stream, recorder), "live-1", FAST)
    assert await reclaimer.reclaim_once() == 0  # not idle long enough yet: left alone
    await _settle_all(reclaimer, rounds=1)

    assert recorder.done == ["a1", "a2", "a3", "a4", "a5"]
    assert await _pending(redis_client, stream) == 0
    assert recorder.dead == []


async def test_a_poisoned_entry_is_dead_lettered_after_k_deliveries_and_the_rest_flow(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await ensure_group(redis_client, stream, GROUP)
    entry_ids = await _publish(redis_client, stream, ["g1", "poison", "g2"])
    await _read_as(redis_client, stream, "dead-1", 3)  # the batch failed as a whole

    recorder = Recorder(failing={"poison"})
    reclaimer = Reclaimer(redis_client, _stage(stream, recorder), "live-1", FAST)
    await _settle_all(reclaimer, rounds=FAST.max_deliveries + 2)

    assert sorted(recorder.done) == ["g1", "g2"]  # retried one by one, so they got through
    (letter,) = recorder.dead
    assert letter.article_id == "poison"
    assert letter.stage == GROUP
    assert letter.stream == stream
    assert letter.entry_id == entry_ids[1].decode()
    assert letter.error.startswith(f"not processed after {FAST.max_deliveries} deliveries")
    assert "ValueError: cannot process poison" in letter.error
    assert json.loads(letter.payload)["id"] == "poison"
    assert await _pending(redis_client, stream) == 0


async def test_nothing_is_claimed_while_the_stage_is_not_ready(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await ensure_group(redis_client, stream, GROUP)
    await _publish(redis_client, stream, ["d1", "d2"])
    await _read_as(redis_client, stream, "dead-1", 2)
    recorder = Recorder()
    recorder.ready = False  # the database is down: delivery attempts must not be used up
    reclaimer = Reclaimer(redis_client, _stage(stream, recorder), "live-1", FAST)
    await _settle_all(reclaimer, rounds=FAST.max_deliveries + 2)
    details = await redis_client.xpending_range(stream, GROUP, "-", "+", 10)
    assert [d["times_delivered"] for d in details] == [1, 1]
    assert recorder.done == []

    recorder.ready = True
    await _settle_all(reclaimer, rounds=1)
    assert recorder.done == ["d1", "d2"]
    assert recorder.dead == []


async def test_a_deleted_stream_gets_its_group_back(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    await ensure_group(redis_client, stream, GROUP)
    await redis_client.delete(stream)
    reclaimer = Reclaimer(redis_client, _stage(stream, Recorder()), "live-1", FAST)
    assert await reclaimer.reclaim_once() == 0
    groups = await redis_client.xinfo_groups(stream)
    assert [g["name"] for g in groups] == [GROUP.encode()]


async def test_trimming_keeps_everything_some_group_has_not_acknowledged(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:in"
    assert await trim_stream(redis_client, stream) == 0  # no stream: nothing happens
    ids = await _publish(redis_client, stream, [f"t{n}" for n in range(10)])
    assert await trim_stream(redis_client, stream) == 0  # no group: keep everything

    await redis_client.xgroup_create(stream, "fast", id="0")
    await redis_client.xgroup_create(stream, "slow", id="0")
    await redis_client.xreadgroup("fast", "f", {stream: ">"}, count=10)
    await redis_client.xack(stream, "fast", *ids)
    await redis_client.xreadgroup("slow", "s", {stream: ">"}, count=6)
    await redis_client.xack(stream, "slow", *ids[:3], ids[5])  # ids[3] and ids[4] pending

    assert await trim_stream(redis_client, stream) == 3
    assert await _entry_ids(redis_client, stream) == ids[3:]

    await redis_client.xack(stream, "slow", ids[3], ids[4])
    assert await trim_stream(redis_client, stream) == 3  # up to what slow was given
    assert await _entry_ids(redis_client, stream) == ids[6:]  # never read by slow: kept


async def test_a_failing_batch_is_isolated_at_once_without_waiting_for_the_reclaimer(
    settings: Settings, redis_client: Redis, stream_prefix: str
) -> None:
    # The reclaimer would act only after ten minutes: what happens here is the subscriber's.
    patient = settings.model_copy(
        update={"reclaim_min_idle_ms": 600_000, "max_deliveries": 4, "retry_backoff_s": 0.01}
    )
    stream = f"{stream_prefix}:in"
    await ensure_group(redis_client, stream, GROUP)
    await _publish(redis_client, stream, ["g1", "poison", "g2"])  # read as one batch
    recorder = Recorder(failing={"poison"})
    stage = _stage(stream, recorder)
    app = stage_app(patient, make_broker(patient), [Subscription(stage, 16, "test")])
    async with app:
        deadline = time.monotonic() + 60
        while not recorder.dead or await _pending(redis_client, stream):
            assert time.monotonic() < deadline, recorder.tries
            await anyio.sleep(0.05)
    assert sorted(recorder.done) == ["g1", "g2"]
    assert recorder.tries == {"g1": 2, "g2": 2, "poison": 4}  # the batch, then one by one
    (letter,) = recorder.dead
    assert letter.article_id == "poison"
    assert letter.error.startswith("not processed after 4 deliveries; last error: ValueError")


async def test_a_batch_that_fails_while_its_stage_is_down_is_left_pending() -> None:
    recorder = Recorder(failing={"a1"})
    recorder.ready = False
    stage = _stage("s", recorder)
    entries = [Entry.read("1-0", {b"__data__": json.dumps(_payload("a1")).encode()})]
    with pytest.raises(StageUnavailable):
        await handle_isolating(stage, entries, RetryPolicy(attempts=5, backoff_s=0))
    assert recorder.tries == {"a1": 1}
    assert recorder.dead == []


async def _acknowledged_by_the_store(client: Redis, stream: str, count: int) -> list[bytes]:
    """`count` entries on `stream`, every one read and acknowledged by a group "store"."""
    ids = await _publish(client, stream, [f"p{n}" for n in range(count)])
    await client.xgroup_create(stream, "store", id="0")
    await client.xreadgroup("store", "s", {stream: ">"}, count=count)
    await client.xack(stream, "store", *ids)
    return ids


async def test_a_public_stream_keeps_its_window_whatever_was_acknowledged(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:public"
    ids = await _acknowledged_by_the_store(redis_client, stream, 300)

    week = Retention(max_age_ms=7 * 86_400_000, max_len=1_000)
    assert await trim_stream(redis_client, stream, week) == 0  # young and few: all stay
    assert await redis_client.xlen(stream) == 300

    # Over the length cap: the oldest go, in whole blocks (MINID ~), the newest 100 stay.
    assert await trim_stream(redis_client, stream, Retention(7 * 86_400_000, 100)) > 0
    kept = await _entry_ids(redis_client, stream)
    assert 100 <= len(kept) < 300
    assert kept == ids[-len(kept) :]


async def test_retention_never_drops_what_a_group_has_not_acknowledged(
    redis_client: Redis, stream_prefix: str
) -> None:
    stream = f"{stream_prefix}:public"
    ids = await _acknowledged_by_the_store(redis_client, stream, 300)
    await redis_client.xgroup_create(stream, "yours", id="0")
    await redis_client.xreadgroup("yours", "y", {stream: ">"}, count=250)
    await redis_client.xack(stream, "yours", *ids[:250])  # behind: 50 never given to it
    await anyio.sleep(0.01)

    expired = Retention(max_age_ms=1, max_len=1_000)  # everything is older than the window
    await trim_stream(redis_client, stream, expired)
    assert (await _entry_ids(redis_client, stream))[-50:] == ids[250:]

    await redis_client.xreadgroup("yours", "y", {stream: ">"}, count=50)
    await redis_client.xack(stream, "yours", *ids[250:])
    await redis_client.xadd(stream, {"__data__": "{}"})
    await trim_stream(redis_client, stream, expired)
    assert len(await _entry_ids(redis_client, stream)) < 100  # all read: the window rules
