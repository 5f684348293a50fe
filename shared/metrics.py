"""Prometheus metrics of one service process, in a registry of its own.

FastStream's Redis middleware counts what the subscribers receive, process and fail, with
durations; the gauges here add what Prometheus cannot see from inside a handler: stream
lengths, each consumer group's lag and pending entries (read from Redis at scrape time), and
the counters the services increment themselves (reclaims, dead letters, feeds, publications).
"""

from __future__ import annotations

from collections.abc import Sequence

from faststream.redis.prometheus import RedisPrometheusMiddleware
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from redis.asyncio import Redis

from shared.streams import stream_stats


class ServiceMetrics:
    """Every metric a service exposes, made once per process (apps may be rebuilt)."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.middleware = RedisPrometheusMiddleware(
            registry=self.registry, app_name=service, metrics_prefix="newswire"
        )
        self.stream_length = Gauge(
            "newswire_stream_length", "Entries in the stream.", ["stream"], registry=self.registry
        )
        self.group_lag = Gauge(
            "newswire_group_lag",
            "Entries not yet delivered to the consumer group (-1: Redis cannot tell).",
            ["stream", "group"],
            registry=self.registry,
        )
        self.group_pending = Gauge(
            "newswire_group_pending",
            "Entries delivered to the group and not yet acknowledged.",
            ["stream", "group"],
            registry=self.registry,
        )
        self.reclaimed = Counter(
            "newswire_entries_reclaimed",
            "Pending entries taken over and processed by the reclaimer.",
            ["stage"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "newswire_dead_letters",
            "Entries sent to the dead-letter stream.",
            ["stage"],
            registry=self.registry,
        )
        self.feeds_polled = Counter(
            "newswire_feeds_polled",
            "Feed polls by outcome (ok, unchanged, failed).",
            ["outcome"],
            registry=self.registry,
        )
        self.articles_published = Counter(
            "newswire_articles_published",
            "Raw articles published by ingest (new or changed).",
            registry=self.registry,
        )
        self.articles_deduplicated = Counter(
            "newswire_articles_deduplicated",
            "Articles ingest saw again unchanged and did not publish.",
            registry=self.registry,
        )

    async def refresh_streams(self, client: Redis, streams: Sequence[str]) -> None:
        """Read lengths, lag and pending of `streams` from Redis into the gauges."""
        for stream in streams:
            stats = await stream_stats(client, stream)
            self.stream_length.labels(stream).set(stats.length)
            for group in stats.groups:
                self.group_lag.labels(stream, group.name).set(
                    -1 if group.lag is None else group.lag
                )
                self.group_pending.labels(stream, group.name).set(group.pending)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
