"""Concurrency limits for outgoing fetches: so many at once in all, fewer per host."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import anyio


class HostLimiter:
    """Slots for fetches: at most `total` at once, at most `per_host` against any one host.

    A site serving hundreds of feeds (one per section) must not see hundreds of requests at
    once; feed readers that did that got their users' IPs blocked.
    """

    def __init__(self, *, total: int, per_host: int) -> None:
        self._total = anyio.CapacityLimiter(total)
        self._hosts: defaultdict[str, anyio.Semaphore] = defaultdict(
            lambda: anyio.Semaphore(per_host)
        )

    @asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a slot for a fetch of `url` while the block runs."""
        host = (urlsplit(url).hostname or "").lower()
        # Host first: a feed queued behind its own host must not hold a global slot.
        async with self._hosts[host], self._total:
            yield
