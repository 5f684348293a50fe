"""The stories stage's state in Redis, so story ids survive restarts.

- `<prefix>:stories:story:<id>`: a story (JSON: span, members, sources, centroid sums).
- `<prefix>:stories:active`: sorted set of story ids by last article time (epoch seconds);
  the stories a restart loads are those within two windows of the newest.
- `<prefix>:stories:article:<id>`: the story an article was put in.
- `<prefix>:stories:merged:<id>`: the story a merged story went into.

Keys expire `retention` after their last change; a replay later than that is clustered anew.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis

from services.stories.clustering import Story
from services.stories.desk import follow_merges
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
    )


class RedisStoryState:
    """A `StoryState` (see `services.stories.desk`) in Redis."""

    def __init__(
        self, client: Redis, streams: StreamNames, *, window: timedelta, retention: timedelta
    ) -> None:
        self._client = client
        self._streams = streams
        self._window = window
        self._ttl = int(retention.total_seconds())
        self._active = streams.key("stories", "active")

    def _key(self, kind: str, name: str) -> str:
        return self._streams.key("stories", kind, name)

    async def load(self) -> list[Story]:
        """The stories within two windows of the newest one (older ones leave the index)."""
        newest = await self._client.zrange(self._active, -1, -1, withscores=True)
        if not newest:
            return []
        horizon = float(newest[0][1]) - 2 * self._window.total_seconds()
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

    async def save(
        self, stories: Sequence[Story], assigned: Mapping[str, str], merged: Mapping[str, str]
    ) -> None:
        """Keep it all in one transaction: a crash leaves the state before or after the batch."""
        async with self._client.pipeline(transaction=True) as pipe:
            for story in stories:
                pipe.set(self._key("story", story.id), story_to_json(story), ex=self._ttl)
                pipe.zadd(self._active, {story.id: story.last_seen.timestamp()})
            for article_id, story_id in assigned.items():
                pipe.set(self._key("article", article_id), story_id, ex=self._ttl)
            for gone, survivor in merged.items():
                pipe.set(self._key("merged", gone), survivor, ex=self._ttl)
                pipe.zrem(self._active, gone)
                pipe.delete(self._key("story", gone))
            await pipe.execute()
