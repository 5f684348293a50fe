"""Benchmark: feeds per second for parse + normalise + publish, on one core.

Runs the ingest code path a poll runs after its fetch (`digest_feed`, then the ledger's atomic
publish) over synthetic 50-entry feeds, one feed after another in one process, and reports
feeds/s and where the time goes, and the process's CPU time per feed (feeds per CPU-second:
the per-core figure, which holds on a busy machine where wall time does not) beside the
Redis server's. Then the same over a mix like the real web: the fixture
feeds (broken XML, legacy encodings, a DTD, RSS 0.91 to Atom, JSON Feed, feeds that fail),
where those the fast parse path is unsure of go through feedparser. Then it runs the
synthetic feeds through full polls against a local HTTP server, so the fetch, scheduling and
threads are counted too.

    .venv/bin/python -m bench.feed_ingest [--feeds 200] [--entries 50]

Uses REDIS_URL if set (a throw-away key prefix), else a private embedded server. Pin it to one
core with `taskset -c 0` to measure one core.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import anyio
from redis.asyncio import Redis

from bench.memory import peak_rss_mb
from services.ingest.app import IngestService
from services.ingest.entry import SourceEntry
from services.ingest.fastfeed import parse_fast
from services.ingest.feedentries import source_entries
from services.ingest.feeditems import FeedFormatError
from services.ingest.feedlist import FeedConfig, feed_identity, save_feed_list
from services.ingest.feedparse import parse_feed
from services.ingest.ledger import ArticleLedger
from services.ingest.normalise import normalise
from services.ingest.poller import digest_feed
from shared.embedded_redis import embedded_redis
from shared.logging import configure_logging
from shared.redispack import HiredisPackedConnection
from shared.settings import Settings
from tests.feedfactory import atom_feed, rss_feed
from tests.feedserver import FeedRoute, FeedServer
from tests.helpers import delete_prefix

_FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "feeds"


@contextmanager
def _redis() -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
    else:
        with embedded_redis() as embedded:
            yield embedded


def _bodies(feeds: int, entries: int) -> list[bytes]:
    return [(rss_feed if n % 2 else atom_feed)(feed_no=n, entries=entries) for n in range(feeds)]


def _fixtures() -> list[Path]:
    return sorted(path for path in _FIXTURES.iterdir() if path.suffix != ".md")


def _mix(feeds: int) -> list[bytes]:
    fixtures = _fixtures()
    return [fixtures[n % len(fixtures)].read_bytes() for n in range(feeds)]


def _fast_share(bodies: list[bytes]) -> float:
    headers = {"content-type": "application/xml"}
    return sum(parse_fast(body, headers) is not None for body in bodies) / len(bodies)


async def _digest_and_publish(bodies: list[bytes], redis_url: str, prefix: str) -> dict[str, float]:
    """Time the two halves separately, feed by feed, as one poll would do them."""
    client = Redis.from_url(redis_url, connection_class=HiredisPackedConnection)  # as ingest's
    ledger = ArticleLedger(
        client, prefix=prefix, raw_stream=f"{prefix}:articles:raw", retention_seconds=3600
    )
    digest_s = publish_s = 0.0
    published = failed = 0
    redis_cpu_before = await _server_cpu_s(client)
    cpu_started = time.process_time()
    started = time.perf_counter()
    for n, body in enumerate(bodies):
        url = f"https://news.example.com/feed/{n}"
        t0 = time.perf_counter()
        try:
            digest = digest_feed(
                body,
                url=url,
                identity=feed_identity(url),
                headers={"content-type": "application/xml"},
                max_text_bytes=200_000,
                now=datetime.now(UTC),
            )
        except FeedFormatError:
            failed += 1
            digest_s += time.perf_counter() - t0
            continue
        t1 = time.perf_counter()
        fresh = {a.id for a in await ledger.publish_new(digest.articles, owner=feed_identity(url))}
        await ledger.keep_alive([a.id for a in digest.articles if a.id not in fresh])
        published += len(fresh)
        publish_s += time.perf_counter() - t1
        digest_s += t1 - t0
    total = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    redis_cpu = await _server_cpu_s(client) - redis_cpu_before
    await delete_prefix(client, prefix)
    await client.aclose()
    return {
        "total_s": total,
        "cpu_s": cpu,
        "redis_cpu_s": redis_cpu,
        "digest_s": digest_s,
        "publish_s": publish_s,
        "published": published,
        "failed": failed,
    }


async def _server_cpu_s(client: Redis) -> float:
    """CPU seconds the Redis server has used (all its clients: run it alone for a clean figure)."""
    info = await client.info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _stage_times(bodies: list[bytes]) -> dict[str, float]:
    """Milliseconds per feed in each CPU stage of the digest, timed separately."""
    url = "https://news.example.com/feed"
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    documents = [parse_feed(body, headers={}) for body in bodies]
    t1 = time.perf_counter()
    entries = [
        source_entries(document, feed_url=url, identity=feed_identity(url))
        for document in documents
    ]
    t2 = time.perf_counter()
    for feed_entries in entries:
        for entry in feed_entries:
            if isinstance(entry, SourceEntry):
                normalise(entry, max_text_bytes=200_000, now=now)
    t3 = time.perf_counter()
    per_feed = 1000 / len(bodies)
    return {
        "parse (fast path, else feedparser)": (t1 - t0) * per_feed,
        "HTML cleaning (allowlist policy; lxml unless simple <p> text)": (t2 - t1) * per_feed,
        "normalise (text, URL, id)": (t3 - t2) * per_feed,
    }


async def _full_polls(bodies: list[bytes], redis_url: str, prefix: str) -> dict[str, float]:
    with FeedServer() as server, tempfile.TemporaryDirectory() as folder:
        for n, body in enumerate(bodies):
            server.set(f"/feed/{n}", FeedRoute(body=body, etag=f'"{n}"'))
        settings = Settings(
            redis_url=redis_url,
            stream_prefix=prefix,
            feeds_file=Path(folder) / "feeds.toml",
            feed_host_concurrency=32,
            feed_timeout=120,
            feed_allow_private_networks=True,  # the feed server listens on loopback
        )
        save_feed_list(
            settings.feeds_file,
            [FeedConfig(url=server.url(f"/feed/{n}")) for n in range(len(bodies))],
        )
        service = IngestService(settings)
        t0 = time.perf_counter()
        states = await service.poll_once()
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        await service.poll_once()
        second = time.perf_counter() - t0
        async with Redis.from_url(redis_url) as client:
            published = await client.xlen(settings.streams.raw)
            await delete_prefix(client, prefix)
    failed = sum(1 for s in states if s.error_count)
    return {"first_s": first, "second_s": second, "published": published, "failed": failed}


def _log_like_the_service() -> None:
    # The service's JSON lines at INFO, formatted as in production but written nowhere, so the
    # polls pay for their logging and the figures stay readable.
    configure_logging(level="INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the process


def main() -> None:
    """Run the benchmark and print its figures (and one JSON line for records)."""
    _log_like_the_service()
    parser = argparse.ArgumentParser(prog="python -m bench.feed_ingest")
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    bodies = _bodies(args.feeds, args.entries)
    size = sum(len(b) for b in bodies) / len(bodies)
    cores = len(os.sched_getaffinity(0))
    print(
        f"{args.feeds} feeds x {args.entries} entries, {size / 1024:.0f} KiB each, {cores} core(s)"
    )
    with _redis() as redis_url:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        path = anyio.run(_digest_and_publish, bodies, redis_url, prefix)
        mix = anyio.run(_digest_and_publish, _mix(args.feeds), redis_url, f"{prefix}-mix")
        polls = anyio.run(_full_polls, bodies, redis_url, f"{prefix}-poll")
    feeds_per_s = args.feeds / path["total_s"]
    print(
        f"parse+normalise+publish: {feeds_per_s:.1f} feeds/s "
        f"({feeds_per_s * args.entries:.0f} entries/s), {path['published']:.0f} published"
    )
    print(
        f"  CPU: {path['cpu_s'] * 1000 / args.feeds:.2f} ms per feed in this process "
        f"({args.feeds / path['cpu_s']:.0f} feeds per CPU-second), "
        f"{path['redis_cpu_s'] * 1000 / args.feeds:.2f} ms in the Redis server"
    )
    print(
        f"  parse+clean+normalise: {path['digest_s']:.2f} s, "
        f"publish (ledger script): {path['publish_s']:.2f} s"
    )
    for name, ms in _stage_times(bodies).items():
        print(f"  {name}: {ms:.1f} ms per feed")
    mix_feeds_per_s = args.feeds / mix["total_s"]
    print(
        f"fixture mix ({len(_fixtures())} fixture feeds in turn, "
        f"{_fast_share(_mix(args.feeds)):.0%} on the fast path): "
        f"{mix_feeds_per_s:.1f} feeds/s, {mix['published']:.0f} published, "
        f"{mix['failed']:.0f} failed as they should"
    )
    print(
        f"full polls over local HTTP: first {args.feeds / polls['first_s']:.1f} feeds/s "
        f"({polls['published']:.0f} published, {polls['failed']:.0f} failed), "
        f"second (all 304) {args.feeds / polls['second_s']:.1f} feeds/s"
    )
    print(
        json.dumps(
            {
                "bench": "feed_ingest",
                "feeds": args.feeds,
                "entries": args.entries,
                "cores": cores,
                "feeds_per_s": round(feeds_per_s, 1),
                "feeds_per_cpu_s": round(args.feeds / path["cpu_s"], 1),
                "mix_feeds_per_s": round(mix_feeds_per_s, 1),
                "fast_path_share": round(_fast_share(bodies), 3),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                **path,
                **polls,
            }
        )
    )


if __name__ == "__main__":
    main()
