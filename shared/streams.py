"""Stream and consumer-group names, and the group set-up every consumer does first."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

ENRICH_GROUP = "enrich"
STORIES_GROUP = "stories"
STORE_GROUP = "store"


@dataclass(frozen=True, slots=True)
class StreamNames:
    """The Redis keys of one deployment, all under one prefix (`newswire` by default)."""

    prefix: str = "newswire"

    @property
    def raw(self) -> str:
        """Raw articles, ingest → enrich."""
        return f"{self.prefix}:articles:raw"

    @property
    def analysed(self) -> str:
        """Articles with their NLP and copy detection, enrich → stories (internal)."""
        return f"{self.prefix}:articles:analysed"

    @property
    def enriched(self) -> str:
        """Enriched articles with their story, stories → store and any outside consumer."""
        return f"{self.prefix}:articles:enriched"

    @property
    def stories(self) -> str:
        """Story events (created, updated, merged), stories → store and any outside consumer."""
        return f"{self.prefix}:stories"

    @property
    def public(self) -> tuple[str, ...]:
        """The streams outside consumers read: they keep a retention window (`shared.trim`)."""
        return (self.enriched, self.stories)

    @property
    def all(self) -> tuple[str, ...]:
        """Every stream, in pipeline order."""
        return (self.raw, self.analysed, self.enriched, self.stories, self.dead)

    def key(self, *parts: str) -> str:
        """A non-stream key of this deployment (state kept in Redis), under the prefix."""
        return ":".join((self.prefix, *parts))

    @property
    def dead(self) -> str:
        """Entries a service could not process, with the reason."""
        return f"{self.prefix}:articles:dead"


async def ensure_group(client: Redis, stream: str, group: str) -> bool:
    """Create `group` on `stream` at id 0 (MKSTREAM); True if created, False if it existed.

    FastStream would create it at `$`, silently skipping entries written before the first
    start; at 0 a new group reads the whole backlog.
    """
    try:
        await client.xgroup_create(name=stream, groupname=group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
        return False
    return True


def text_of(value: object) -> str:
    """A name or id as redis-py returns it (bytes, or text when decoding), as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


async def group_drained(client: Redis, stream: str, group: str) -> bool:
    """True when `group` has read every entry of `stream` and acknowledged all it read."""
    groups = await client.xinfo_groups(stream)
    for info in groups:
        if text_of(info["name"]) == group:
            # Redis reports lag as None when it cannot tell (after deletions): not drained.
            return bool(info["lag"] == 0 and info["pending"] == 0)
    return False


@dataclass(frozen=True, slots=True)
class GroupStats:
    """One consumer group of a stream: how far behind it is and what it holds unacknowledged."""

    name: str
    consumers: int
    pending: int
    lag: int | None
    """Entries not yet given to the group; None when there are more than `LAG_COUNT_LIMIT`
    and Redis cannot tell (after deletions, or a restart)."""


@dataclass(frozen=True, slots=True)
class StreamStats:
    """A stream's length and its consumer groups (empty when the stream does not exist)."""

    stream: str
    length: int
    groups: tuple[GroupStats, ...]


LAG_COUNT_LIMIT = 10_000
"""When Redis reports no lag, up to this many entries are counted instead."""


async def _counted_lag(client: Redis, stream: str, last_delivered: object) -> int | None:
    # Entries after the group's last-delivered id, counted while that is cheap.
    after = await client.xrange(
        stream, min=f"({text_of(last_delivered)}", count=LAG_COUNT_LIMIT + 1
    )
    counted = len(after or [])
    return counted if counted <= LAG_COUNT_LIMIT else None


async def stream_stats(client: Redis, stream: str) -> StreamStats:
    """Length and groups of `stream`, read with XLEN and XINFO GROUPS.

    Redis reports no lag for a group when it cannot derive it (entries deleted after the
    group's position, its counter lost in a restart); the entries after its position are then
    counted, up to `LAG_COUNT_LIMIT`.
    """
    if not await client.exists(stream):
        return StreamStats(stream, 0, ())
    length = int(await client.xlen(stream))
    groups = []
    for info in await client.xinfo_groups(stream):
        lag = info.get("lag")
        groups.append(
            GroupStats(
                name=text_of(info["name"]),
                consumers=int(info["consumers"]),
                pending=int(info["pending"]),
                lag=int(lag)
                if lag is not None
                else await _counted_lag(client, stream, info["last-delivered-id"]),
            )
        )
    return StreamStats(stream, length, tuple(groups))
