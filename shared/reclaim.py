"""Entries nobody finished: reclaimed from dead or failing consumers, retried, or dead-lettered.

FastStream's subscriber reads only new entries (`>`), and its `min_idle_time` variant only
claims and never reads new ones; so each service runs its subscriber for new entries and this
reclaimer beside it for the rest. Every `interval_s` it takes over (XAUTOCLAIM) the entries of
its group that have been pending for `min_idle_ms`, whoever held them: a replica killed
mid-batch, a batch whose work failed, a worker cut off from Redis.

Reclaimed entries are retried one at a time, each up to the deliveries it has left (with the
short backoff of `shared.isolation`), so one poisoned entry fails alone instead of taking its
batch with it. An entry already delivered `max_deliveries` times is not tried again: it goes to
the dead-letter stream with the last error seen and is acknowledged. While the
stage's dependencies are down (`Stage.ready`), nothing is claimed, so an outage does not use
up delivery attempts.

The same loop trims the stream (see `shared.trim`) and forgets consumers that have been idle
for `forget_idle_ms` with nothing pending (see `shared.membership`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.batch import named_article_id
from shared.consumer import Stage
from shared.isolation import RetryPolicy, describe_failure, handle_isolating
from shared.logging import get_logger
from shared.membership import forget_idle_consumers
from shared.streams import ensure_group, text_of
from shared.trim import Retention, trim_stream
from shared.wire import Entry

log = get_logger(__name__)

# Remembered last errors, by entry id; old ones go first when there are more.
_MAX_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class ReclaimPolicy:
    """When an entry counts as abandoned, and how often it may be tried."""

    min_idle_ms: int
    max_deliveries: int
    backoff_s: float
    """First wait before an entry that failed again is retried (doubling, see isolation)."""
    interval_s: float
    count: int
    trim: bool
    retention: Retention | None
    """The stream's retention window (public streams), else trimmed to what is acknowledged."""
    forget_idle_ms: int
    """Consumers of the group idle this long with nothing pending are deleted."""


class Reclaimer:
    """Claims, retries and dead-letters one stage's abandoned entries, and trims its stream."""

    def __init__(
        self,
        client: Redis,
        stage: Stage[Any],
        consumer: str,
        policy: ReclaimPolicy,
        *,
        on_reclaimed: Callable[[], object] | None = None,
    ) -> None:
        self._client = client
        self._stage = stage
        self._consumer = consumer
        self._policy = policy
        self._last_errors: dict[str, str] = {}
        self._stopping = anyio.Event()
        self._on_reclaimed = on_reclaimed or (lambda: None)

    def stop(self) -> None:
        """Finish the entry in hand, then return from `run`."""
        self._stopping.set()

    async def run(self) -> None:
        """Reclaim (and trim) every `interval_s` until stopped; Redis outages are waited out."""
        backoff = self._policy.interval_s
        while not self._stopping.is_set():
            try:
                await self.reclaim_once()
                if self._policy.trim:
                    await trim_stream(self._client, self._stage.stream, self._policy.retention)
                await self._forget_idle()
                backoff = self._policy.interval_s
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning(
                    "reclaim paused: redis unreachable",
                    stream=self._stage.stream,
                    group=self._stage.group,
                    error=str(exc),
                    retry_in_s=backoff,
                )
                backoff = min(backoff * 2, 60.0)
            with anyio.move_on_after(backoff):
                await self._stopping.wait()

    async def _forget_idle(self) -> None:
        stage = self._stage
        forgotten = await forget_idle_consumers(
            self._client, stage.stream, stage.group, self._policy.forget_idle_ms
        )
        if forgotten:
            log.info(
                "idle consumers removed", stream=stage.stream, group=stage.group, names=forgotten
            )

    async def reclaim_once(self) -> int:
        """One pass over the group's pending list; returns how many entries it settled."""
        if self._stage.ready is not None and not await self._stage.ready():
            log.warning("reclaim skipped: stage not ready", stage=self._stage.group)
            return 0
        settled = 0
        cursor: bytes | str = "0-0"
        while not self._stopping.is_set():
            try:
                reply = await self._client.xautoclaim(
                    self._stage.stream,
                    self._stage.group,
                    self._consumer,
                    self._policy.min_idle_ms,
                    start_id=cursor,
                    count=self._policy.count,
                )
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                # The stream or group was deleted: recreate it and read what comes next.
                await ensure_group(self._client, self._stage.stream, self._stage.group)
                log.warning("consumer group recreated", stream=self._stage.stream)
                return settled
            cursor, entries = reply[0], [e for e in reply[1] if e is not None]
            settled += await self._settle(entries)
            if text_of(cursor) == "0-0":
                return settled
        return settled

    async def _delivery_counts(self, entries: Sequence[Any]) -> dict[str, int]:
        ids = [text_of(entry_id) for entry_id, _ in entries]
        pending = await self._client.xpending_range(
            self._stage.stream,
            self._stage.group,
            min=ids[0],
            max=ids[-1],
            count=len(ids) * 4 + 16,
            consumername=self._consumer,
        )
        return {text_of(p["message_id"]): int(p["times_delivered"]) for p in pending}

    async def _settle(self, entries: Sequence[Any]) -> int:
        if not entries:
            return 0
        counts = await self._delivery_counts(entries)
        settled = 0
        for raw_id, fields in entries:
            if self._stopping.is_set():
                break
            entry = Entry.read(raw_id, fields)
            delivered = counts.get(entry.id, 1)
            if delivered > self._policy.max_deliveries:
                await self._give_up(entry, delivered - 1)
                settled += 1
            elif await self._retry(entry, delivered):
                settled += 1
        return settled

    async def _retry(self, entry: Entry, delivered: int) -> bool:
        policy = RetryPolicy(self._policy.max_deliveries, self._policy.backoff_s)
        try:
            # Processed or dead-lettered, unless the stage or Redis is down (raised).
            await handle_isolating(self._stage, [entry], policy, tried=delivered - 1)
        except Exception as exc:
            self._remember(entry.id, describe_failure(exc))
            log.warning(
                "reclaimed entry failed",
                entry_id=entry.id,
                stream=self._stage.stream,
                stage=self._stage.group,
                delivery=delivered,
                error=self._last_errors[entry.id],
            )
            return False
        await self._client.xack(self._stage.stream, self._stage.group, entry.id)
        self._last_errors.pop(entry.id, None)
        self._on_reclaimed()
        log.info(
            "reclaimed entry processed",
            entry_id=entry.id,
            stream=self._stage.stream,
            stage=self._stage.group,
            delivery=delivered,
        )
        return True

    async def _give_up(self, entry: Entry, failures: int) -> None:
        last = self._last_errors.pop(entry.id, "unknown (its consumer stopped without a word)")
        await self._stage.dead_letter(
            entry,
            named_article_id(entry.body()),
            f"not processed after {failures} deliveries; last error: {last}",
        )
        await self._client.xack(self._stage.stream, self._stage.group, entry.id)

    def _remember(self, entry_id: str, error: str) -> None:
        if len(self._last_errors) >= _MAX_REMEMBERED:
            self._last_errors.pop(next(iter(self._last_errors)))
        self._last_errors[entry_id] = error
