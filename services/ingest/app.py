"""The one place the ingest service's real adapters are wired together.

Ingest publishes through the ledger's script rather than a FastStream publisher: recording an
article as published and appending it to the stream must be one atomic step (see
`services.ingest.ledger`), which a plain XADD cannot give. The events are the same plain JSON
in `__data__` that the FastStream consumers read.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from redis.asyncio import BlockingConnectionPool, Redis

from services.ingest.feedstate import FeedState
from services.ingest.feedstore import FeedStateStore
from services.ingest.fetch import FetchLimits, make_client
from services.ingest.files import read_files
from services.ingest.hostlimits import HostLimiter
from services.ingest.ledger import ArticleLedger
from services.ingest.netpolicy import NetworkPolicy
from services.ingest.poller import FeedPoller
from services.ingest.replay import ReplayReport, run_source
from services.ingest.schedule import PollPolicy
from services.ingest.scheduler import FeedList, FeedScheduler
from shared.metrics import ServiceMetrics
from shared.redispack import HiredisPackedConnection
from shared.retry import while_unreachable
from shared.schemas import RawArticle
from shared.settings import Settings

_DAY = 86_400


def poll_policy(settings: Settings) -> PollPolicy:
    """The polling bounds the settings describe."""
    return PollPolicy(
        min_interval=settings.feed_min_interval,
        max_interval=settings.feed_max_interval,
        max_backoff=settings.feed_max_backoff,
        max_errors=settings.feed_max_errors,
        jitter=settings.feed_jitter,
        redirect_confirmations=settings.feed_redirect_confirmations,
    )


def fetch_limits(settings: Settings) -> FetchLimits:
    """The fetch bounds the settings describe."""
    return FetchLimits(
        connect_timeout=settings.feed_connect_timeout,
        total_timeout=settings.feed_timeout,
        max_bytes=settings.feed_max_bytes,
        max_redirects=settings.feed_max_redirects,
    )


def feed_state_store(client: Redis, settings: Settings) -> FeedStateStore:
    """Feed state under this deployment's prefix (the CLI reads it too)."""
    return FeedStateStore(client, prefix=settings.stream_prefix)


@dataclass(frozen=True, slots=True)
class _Wired:
    ledger: ArticleLedger
    scheduler: FeedScheduler


class IngestService:
    """Ingest with its real adapters: Redis for ledger and state, httpx for fetching."""

    def __init__(self, settings: Settings, metrics: ServiceMetrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics

    def _observe_poll(self, outcome: str, published: int, unchanged: int) -> None:
        if self.metrics is None:
            return
        self.metrics.feeds_polled.labels(outcome).inc()
        self.metrics.articles_published.inc(published)
        self.metrics.articles_deduplicated.inc(unchanged)

    @asynccontextmanager
    async def _wired(self) -> AsyncIterator[_Wired]:
        settings = self.settings
        # Every poll in flight may hold a connection; past the pool size polls wait for one
        # instead of failing. The ledger's script calls are large: hiredis packs them.
        client = Redis.from_pool(
            BlockingConnectionPool.from_url(
                settings.require_redis_url(),
                max_connections=settings.feed_concurrency + 4,
                connection_class=HiredisPackedConnection,
            )
        )
        limits = fetch_limits(settings)
        http = make_client(
            limits,
            user_agent=settings.feed_user_agent,
            max_connections=settings.feed_concurrency,
            policy=NetworkPolicy(allow_private=settings.feed_allow_private_networks),
        )
        states = feed_state_store(client, settings)
        ledger = ArticleLedger(
            client,
            prefix=settings.stream_prefix,
            raw_stream=settings.streams.raw,
            retention_seconds=settings.ingest_retention_days * _DAY,
        )
        poller = FeedPoller(
            client=http,
            limits=limits,
            hosts=HostLimiter(
                total=settings.feed_concurrency, per_host=settings.feed_host_concurrency
            ),
            ledger=ledger,
            states=states,
            policy=poll_policy(settings),
            max_text_bytes=settings.max_article_bytes,
            rng=random.Random(),
            observe=self._observe_poll,
        )
        scheduler = FeedScheduler(
            feeds=FeedList(settings.feeds_file),
            poller=poller,
            states=states,
            initial_spread=settings.feed_initial_spread,
            crash_delay=settings.feed_min_interval,
        )
        try:
            yield _Wired(ledger=ledger, scheduler=scheduler)
        finally:
            await http.aclose()
            await client.aclose()

    async def replay(
        self, paths: Sequence[Path], progress: Callable[[], object] | None = None
    ) -> ReplayReport:
        """Publish every article in `paths` (files or folders) and stop.

        A replay is asked for explicitly, so unchanged articles go out again (same revision);
        changed ones as their next revision.
        """
        async with self._wired() as wired:

            async def publish(article: RawArticle) -> None:
                # An outage mid-replay is waited out: the rest of the files are not dropped.
                await while_unreachable(
                    lambda: wired.ledger.publish_new([article], owner=None, republish=True),
                    what="replay publish",
                    give_up_after_s=self.settings.redis_outage_s,
                )

            return await run_source(
                read_files(paths),
                publish,
                max_text_bytes=self.settings.max_article_bytes,
                progress=progress,
            )

    async def poll_once(self) -> list[FeedState]:
        """Poll every active feed of the feed list once, now."""
        async with self._wired() as wired:
            return await wired.scheduler.poll_all()

    async def poll_forever(self, stop: anyio.Event) -> None:
        """Poll feeds on their schedules until `stop` is set."""
        async with self._wired() as wired:
            await wired.scheduler.run(stop)
