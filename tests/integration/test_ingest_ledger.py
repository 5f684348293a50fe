"""The publication ledger against a real Redis: one script call per feed, races settled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from services.ingest.ledger import ArticleLedger
from services.ingest.revisions import Seen, fingerprint
from shared.schemas import RawArticle, SourceRef
from shared.settings import Settings
from tests.helpers import stream_events

pytestmark = pytest.mark.integration

FEED = "news.example.com/rss"


def _article(article_id: str, text: str) -> RawArticle:
    return RawArticle(
        id=article_id,
        text=text,
        title="Title",
        ingested_at=datetime(2026, 1, 1, tzinfo=UTC),
        source=SourceRef(kind="feed", name=f"https://{FEED}"),
    )


def _ledger(client: Redis, settings: Settings) -> ArticleLedger:
    return ArticleLedger(
        client,
        prefix=settings.stream_prefix,
        raw_stream=settings.streams.raw,
        retention_seconds=3600,
    )


async def test_a_feed_publishes_each_new_article_once_with_its_record(
    settings: Settings, redis_client: Redis
) -> None:
    ledger = _ledger(redis_client, settings)
    articles = [_article(f"a{n}", f"Text number {n}.") for n in range(30)]
    published = await ledger.publish_new(articles, owner=FEED)
    assert [a.id for a in published] == [a.id for a in articles]
    assert [e["id"] for e in await stream_events(redis_client, settings.streams.raw)] == [
        a.id for a in articles
    ]
    seen = await ledger.seen([a.id for a in articles])
    assert all(seen[a.id] == Seen(1, fingerprint(a), FEED) for a in articles)
    # The same list again publishes nothing; one changed article goes out as revision 2.
    assert await ledger.publish_new(articles, owner=FEED) == []
    changed = [*articles[:5], _article("a5", "Text number 5, corrected."), *articles[6:]]
    again = await ledger.publish_new(changed, owner=FEED)
    assert [(a.id, a.revision) for a in again] == [("a5", 2)]


async def test_a_record_changed_between_read_and_write_is_read_again(
    settings: Settings, redis_client: Redis
) -> None:
    """Another poll publishing an article first makes this one its next revision, not a loss."""
    ledger = _ledger(redis_client, settings)
    first, raced = _article("b1", "Untouched."), _article("b2", "This poll's version.")
    other_record = Seen(1, "fingerprint-of-another-version", FEED)

    async def another_poll_wins(article: RawArticle) -> RawArticle:
        if article.id == raced.id:  # between this poll's read and its write
            await redis_client.set(
                f"{settings.stream_prefix}:ingest:seen:b2", other_record.encode()
            )
        return article

    published = await ledger.publish_new([first, raced], owner=FEED, prepare=another_poll_wins)
    assert [(a.id, a.revision) for a in published] == [("b1", 1), ("b2", 2)]
    events = await stream_events(redis_client, settings.streams.raw)
    assert [(e["id"], e["revision"]) for e in events] == [("b1", 1), ("b2", 2)]
    assert (await ledger.seen(["b2"]))["b2"] == Seen(2, fingerprint(raced), FEED)
