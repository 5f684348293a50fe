"""What ingest publishes, written out so two commits can be compared byte for byte.

Runs the synthetic feeds (`tests/feedfactory.py`, then revised copies of half of them), the
fixture feeds and any feed files given, feed after feed, through `digest_feed` and the ledger's
publish into Redis with the ingest time fixed, and writes one JSON file: every stream payload
and ledger record read back from Redis, and per feed its title, warning and rejected entries.
A speed-up must leave this file unchanged. Run it from each checkout with the same virtualenv:

    PYTHONPATH=/path/to/old .venv/bin/python /path/to/new/bench/ingest_events.py old.json
    PYTHONPATH=. .venv/bin/python bench/ingest_events.py new.json [FEED_FILE ...]
    cmp old.json new.json

It imports from PYTHONPATH, not from its own checkout. Uses REDIS_URL if set (under a
throw-away key prefix), else a private embedded server.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from redis.asyncio import Redis

import services
from services.ingest.feeditems import FeedFormatError
from services.ingest.feedlist import feed_identity
from services.ingest.ledger import ArticleLedger
from services.ingest.poller import digest_feed
from shared.embedded_redis import embedded_redis
from tests.feedfactory import atom_feed, rss_feed
from tests.helpers import delete_prefix, stream_payloads

_NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
_FIXTURES = Path(services.__file__).resolve().parent.parent / "tests" / "fixtures" / "feeds"
_CONTENT_TYPES = {".json": "application/feed+json", ".html": "text/html"}


def _feeds(extra: list[Path]) -> list[tuple[str, bytes, str]]:
    """(name, body, content type) of every feed, in publishing order."""
    feeds = [
        (f"synthetic-{n}", (rss_feed if n % 2 else atom_feed)(feed_no=n), "application/xml")
        for n in range(20)
    ]
    # The same RSS feeds with two entries changed: revisions go through the ledger's compare.
    feeds += [
        (f"synthetic-{n}", rss_feed(feed_no=n, revision_of={0: 2, 7: 3}), "application/xml")
        for n in range(1, 20, 2)
    ]
    files = sorted(path for path in _FIXTURES.iterdir() if path.suffix != ".md")
    feeds += [
        (path.name, path.read_bytes(), _CONTENT_TYPES.get(path.suffix, "application/xml"))
        for path in [*files, *extra]
    ]
    return feeds


async def _publish_all(redis_url: str, extra: list[Path]) -> dict[str, Any]:
    client = Redis.from_url(redis_url)
    prefix = f"ingest-events-{uuid.uuid4().hex[:8]}"
    stream = f"{prefix}:articles:raw"
    ledger = ArticleLedger(client, prefix=prefix, raw_stream=stream, retention_seconds=3600)
    feeds: list[dict[str, Any]] = []
    try:
        for name, body, content_type in _feeds(extra):
            url = f"https://news.example.com/feed/{name}"
            try:
                digest = digest_feed(
                    body,
                    url=url,
                    identity=feed_identity(url),
                    headers={"content-type": content_type},
                    max_text_bytes=200_000,
                    now=_NOW,
                )
            except FeedFormatError as exc:
                feeds.append({"feed": name, "error": str(exc)})
                continue
            await ledger.publish_new(digest.articles, owner=feed_identity(url))
            feeds.append(
                {
                    "feed": name,
                    "title": digest.title,
                    "ttl": digest.ttl,
                    "warning": digest.warning,
                    "rejected": [[entry.where, entry.error] for entry in digest.rejected],
                }
            )
        payloads = [payload.decode() for payload in await stream_payloads(client, stream)]
        keys = sorted([key.decode() async for key in client.scan_iter(f"{prefix}:ingest:seen:*")])
        values = await client.mget(keys)
        records = {
            key.removeprefix(prefix): value.decode()
            for key, value in zip(keys, values, strict=True)
            if isinstance(value, bytes)
        }
    finally:
        await delete_prefix(client, prefix)
        await client.aclose()
    return {"feeds": feeds, "payloads": payloads, "records": records}


def main() -> None:
    """Publish every feed and write what was published to the file named."""
    parser = argparse.ArgumentParser(prog="python bench/ingest_events.py")
    parser.add_argument("output", type=Path)
    parser.add_argument("feeds", type=Path, nargs="*", help="more feed files (XML) to publish")
    args = parser.parse_args()
    with ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis())
        result = anyio.run(_publish_all, redis_url, args.feeds)
    args.output.write_text(json.dumps(result, indent=1, sort_keys=True))
    print(
        f"{services.__file__}: {len(result['payloads'])} events, "
        f"{len(result['records'])} ledger records -> {args.output}"
    )


if __name__ == "__main__":
    main()
