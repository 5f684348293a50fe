"""Which feeds to poll when: the feed list file, each feed's next poll time, nothing twice."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
from redis.exceptions import RedisError

from services.ingest.feedlist import FeedConfig, FeedListError, load_feed_list
from services.ingest.feedstate import FeedState
from services.ingest.feedstore import FeedStateStore
from services.ingest.poller import FeedPoller
from services.ingest.schedule import first_poll_at
from shared.logging import get_logger

log = get_logger(__name__)


class FeedList:
    """The feed list file, re-read when it changes so `newswire feeds add` needs no restart."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[float, int] | None = None
        self._feeds: list[FeedConfig] = []

    async def current(self) -> list[FeedConfig]:
        """The feeds listed now; a broken edit keeps the last good list and logs why."""
        try:
            stat = await anyio.Path(self._path).stat()
            stamp = (stat.st_mtime, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            try:
                self._feeds = await anyio.to_thread.run_sync(load_feed_list, self._path)
            except FeedListError as exc:
                log.error("feed list unreadable, keeping the last good one", error=str(exc))
            else:
                log.info("feed list loaded", path=str(self._path), feeds=len(self._feeds))
            self._stamp = stamp
        return self._feeds


class FeedScheduler:
    """Polls every due feed, many at once, each at most once at a time."""

    def __init__(
        self,
        *,
        feeds: FeedList,
        poller: FeedPoller,
        states: FeedStateStore,
        initial_spread: float,
        crash_delay: float,
        tick: float = 1.0,
        rng: random.Random | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._feeds = feeds
        self._poller = poller
        self._states = states
        self._initial_spread = initial_spread
        self._crash_delay = timedelta(seconds=crash_delay)
        self._cooldown: dict[str, datetime] = {}
        self._tick = tick
        self._rng = rng or random.Random()
        self._clock = clock
        self._in_flight: set[str] = set()

    async def poll_all(self) -> list[FeedState]:
        """Poll every active feed once now, whatever its schedule; return their new states."""
        feeds = await self._feeds.current()
        states = await self._states.load([feed.url for feed in feeds])
        results: list[FeedState] = []
        async with anyio.create_task_group() as group:
            for feed in feeds:
                if not states[feed.url].paused:
                    group.start_soon(self._poll, feed, states[feed.url], results)
        return results

    async def run(self, stop: anyio.Event) -> None:
        """Poll feeds as they fall due until `stop` is set, then let polls in flight finish."""
        async with anyio.create_task_group() as group:
            while not stop.is_set():
                try:
                    due = await self._due()
                except (OSError, RedisError) as exc:
                    log.error("feed schedule unavailable, retrying", error=str(exc))
                    due = []
                for feed, state in due:
                    self._in_flight.add(feed.url)
                    group.start_soon(self._poll, feed, state, None)
                with anyio.move_on_after(self._tick):
                    await stop.wait()
        log.info("feed polling stopped")

    async def _due(self) -> list[tuple[FeedConfig, FeedState]]:
        now = self._clock()
        feeds = [
            f
            for f in await self._feeds.current()
            if f.url not in self._in_flight and self._cooldown.get(f.url, now) <= now
        ]
        states = await self._states.load([feed.url for feed in feeds])
        due = []
        for feed in feeds:
            state = states[feed.url]
            if state.paused:
                continue
            if state.next_poll_at is None:
                # A new feed: its first poll is spread so a long new list does not fire at once.
                state = state.model_copy(
                    update={
                        "next_poll_at": first_poll_at(
                            now, spread=self._initial_spread, rng=self._rng
                        )
                    }
                )
                await self._states.save(state)
            if state.next_poll_at is not None and state.next_poll_at <= now:
                due.append((feed, state))
        return due

    async def _poll(
        self, feed: FeedConfig, state: FeedState, results: list[FeedState] | None
    ) -> None:
        try:
            new_state = await self._poller.poll(feed, state)
        except Exception:
            # Its state was not saved, so it stays due; the cool-down keeps the retry polite.
            self._cooldown[feed.url] = self._clock() + self._crash_delay
            log.exception("feed poll crashed", feed=feed.url)
        else:
            self._cooldown.pop(feed.url, None)
            if results is not None:
                results.append(new_state)
        finally:
            self._in_flight.discard(feed.url)
