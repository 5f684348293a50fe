"""Feed state in Redis (`<prefix>:ingest:feed:<feed key>`), so restarts resume where they were.

Redis rather than a local file: it already holds the dedup ledger, survives container
restarts with AOF on, and `newswire feeds list` reads the same state the service writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from redis.asyncio import Redis

from services.ingest.feedlist import feed_key
from services.ingest.feedstate import FeedState
from shared.logging import get_logger

log = get_logger(__name__)


class FeedStateStore:
    """Loads and saves `FeedState`s, one JSON value per feed."""

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self._client = client
        self._prefix = f"{prefix}:ingest:feed:"

    def _key(self, url: str) -> str:
        return self._prefix + feed_key(url)

    async def load(self, urls: Sequence[str]) -> dict[str, FeedState]:
        """The state of each feed URL; a feed never polled (or unreadable state) starts fresh."""
        if not urls:
            return {}
        values = await self._client.mget([self._key(url) for url in urls])
        return {url: _decode(url, value) for url, value in zip(urls, values, strict=True)}

    async def save(self, state: FeedState) -> None:
        """Persist `state` under its configured URL."""
        await self._client.set(self._key(state.url), state.model_dump_json())

    async def delete(self, url: str) -> None:
        """Forget a removed feed's state."""
        await self._client.delete(self._key(url))


def _decode(url: str, value: bytes | str | None) -> FeedState:
    if value is None:
        return FeedState.first(url)
    try:
        return FeedState.model_validate_json(value)
    except ValidationError as exc:
        # Losing the validators only costs one unconditional fetch; the ledger still dedups.
        log.warning("feed state unreadable, starting fresh", feed=url, error=str(exc))
        return FeedState.first(url)
