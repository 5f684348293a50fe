"""The stories stage's state in Redis, so story ids survive restarts.

- `<prefix>:stories:story:<id>`: a story (JSON: span, members, sources, centroid sums).
- `<prefix>:stories:active`: sorted set of story ids by last article time (epoch seconds);
  the stories a restart loads are those within two windows of the newest, or of the clock if
  that is earlier (a far-future time can never empty the index).
- `<prefix>:stories:article:<id>`: the story an article was put in.
- `<prefix>:stories:merged:<id>`: the story a merged story went into.

Keys expire `retention` after their last change; a replay later than that is clustered anew.

Saves are fenced: one Lua script checks that the stories lease is still this replica's and
writes the batch, in one atomic step, so a holder that was paused past its lease (and replaced)
can never write over its successor's state.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.stories.clustering import Story
from services.stories.desk import follow_merges
from services.stories.lease import lease_key
from shared.consumer import StageUnavailable
from shared.streams import StreamNames, text_of


def story_to_json(story: Story) -> str:
    """The story as JSON text."""
    return json.dumps(
        {
            "id": story.id,
            "title": story.title,
            "first_seen": story.first_seen.isoformat(),
            "last_seen": story.last_seen.isoformat(),
            "version": story.version,
            "member_count": story.member_count,
            "members": story.members,
            "sources": story.sources,
            "terms": story.terms,
            "entities": story.entities,
            "names": story.names,
            "recent": [[terms, entities] for terms, entities in story.recent],
        },
        ensure_ascii=False,
    )


def story_from_json(text: str | bytes) -> Story:
    """The story `story_to_json` wrote."""
    data: dict[str, Any] = json.loads(text)
    return Story(
        id=data["id"],
        title=data["title"],
        first_seen=datetime.fromisoformat(data["first_seen"]),
        last_seen=datetime.fromisoformat(data["last_seen"]),
        version=data["version"],
        member_count=data["member_count"],
        members=list(data["members"]),
        sources=list(data["sources"]),
        terms=dict(data["terms"]),
        entities=dict(data["entities"]),
        names={k: (v[0], v[1]) for k, v in data["names"].items()},
        # Stories saved before members were remembered have none: their sum alone is compared.
        recent=[(dict(t), dict(e)) for t, e in data.get("recent", [])],
    )


class LeaseLostError(StageUnavailable):
    """The stories lease is not this replica's any more: its batch must not be saved (nor its
    articles counted as failing: the new holder places them)."""


@dataclass(frozen=True, slots=True)
class Fence:
    """The lease a save must still hold: its key and this replica's owner value."""

    key: str
    owner: str


# KEYS: lease, active index, then per story its key, per assignment the article's key, per
# merge the merged key and the absorbed story's key. ARGV: owner ('' = unfenced), ttl, the three
# counts, then per story (json, score, id), per assignment the story id, per merge (survivor,
# absorbed id). All or nothing is checked first; the writes follow in the same script.
_SAVE = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then
    return redis.error_reply('NOTHELD the stories lease is not held by ' .. ARGV[1])
end
local ttl = ARGV[2]
local k, a = 3, 6
for _ = 1, tonumber(ARGV[3]) do
    redis.call('SET', KEYS[k], ARGV[a], 'EX', ttl)
    redis.call('ZADD', KEYS[2], ARGV[a + 1], ARGV[a + 2])
    k, a = k + 1, a + 3
end
for _ = 1, tonumber(ARGV[4]) do
    redis.call('SET', KEYS[k], ARGV[a], 'EX', ttl)
    k, a = k + 1, a + 1
end
for _ = 1, tonumber(ARGV[5]) do
    redis.call('SET', KEYS[k], ARGV[a], 'EX', ttl)
    redis.call('ZREM', KEYS[2], ARGV[a + 1])
    redis.call('DEL', KEYS[k + 1])
    k, a = k + 2, a + 2
end
return 1
"""


class RedisStoryState:
    """A `StoryState` (see `services.stories.desk`) in Redis; saves fenced by `fence` if given."""

    def __init__(
        self,
        client: Redis,
        streams: StreamNames,
        *,
        window: timedelta,
        retention: timedelta,
        fence: Fence | None = None,
    ) -> None:
        self._client = client
        self._streams = streams
        self._window = window
        self._ttl = int(retention.total_seconds())
        self._active = streams.key("stories", "active")
        self._fence = fence
        self._save = client.register_script(_SAVE)

    def _key(self, kind: str, name: str) -> str:
        return self._streams.key("stories", kind, name)

    async def load(self) -> list[Story]:
        """The stories within two windows of the newest one, or of the clock if that is
        earlier (older ones leave the index)."""
        newest = await self._client.zrange(self._active, -1, -1, withscores=True)
        if not newest:
            return []
        latest = min(float(newest[0][1]), datetime.now(UTC).timestamp())
        horizon = latest - 2 * self._window.total_seconds()
        await self._client.zremrangebyscore(self._active, "-inf", f"({horizon}")
        ids = [text_of(i) for i in await self._client.zrangebyscore(self._active, horizon, "+inf")]
        if not ids:
            return []
        payloads = await self._client.mget([self._key("story", i) for i in ids])
        return [story_from_json(p) for p in payloads if p is not None]

    async def stories_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The current story of each article that has one (merges followed)."""
        if not article_ids:
            return {}
        values = await self._client.mget([self._key("article", a) for a in article_ids])
        found = {a: text_of(v) for a, v in zip(article_ids, values, strict=True) if v is not None}
        merged: dict[str, str | None] = {}
        for story_id in set(found.values()):
            # Merges are rare: one lookup per story, more only along a chain.
            await self._load_merges(story_id, merged)
        return {a: follow_merges(s, merged.get) for a, s in found.items()}

    async def _load_merges(self, story_id: str, merged: dict[str, str | None]) -> None:
        while story_id not in merged:
            survivor = await self._client.get(self._key("merged", story_id))
            merged[story_id] = text_of(survivor) if survivor is not None else None
            if survivor is None:
                return
            story_id = text_of(survivor)

    async def story(self, story_id: str) -> Story | None:
        """The kept story with this id, or None (expired, or merged away)."""
        payload = await self._client.get(self._key("story", story_id))
        return None if payload is None else story_from_json(payload)

    async def save(
        self, stories: Sequence[Story], assigned: Mapping[str, str], merged: Mapping[str, str]
    ) -> None:
        """Keep it all in one atomic step, if the lease is still held (else `LeaseLostError`):
        a crash leaves the state before or after the batch."""
        keys = [self._fence.key if self._fence else lease_key(self._streams), self._active]
        args: list[str | int | float] = [
            self._fence.owner if self._fence else "",
            self._ttl,
            len(stories),
            len(assigned),
            len(merged),
        ]
        for story in stories:
            keys.append(self._key("story", story.id))
            args += [story_to_json(story), story.last_seen.timestamp(), story.id]
        for article_id, story_id in assigned.items():
            keys.append(self._key("article", article_id))
            args.append(story_id)
        for gone, survivor in merged.items():
            keys += [self._key("merged", gone), self._key("story", gone)]
            args += [survivor, gone]
        try:
            await self._save(keys=keys, args=args)
        except ResponseError as exc:
            if str(exc).startswith("NOTHELD"):
                raise LeaseLostError(str(exc)) from exc
            raise
