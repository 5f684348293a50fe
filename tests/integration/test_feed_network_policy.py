"""The network policy in a real poll: real Redis, a loopback feed server, a stub resolver."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from redis.asyncio import Redis

from services.ingest.app import feed_state_store, fetch_limits, poll_policy
from services.ingest.feedlist import FeedConfig, feed_identity
from services.ingest.feedstate import FeedState
from services.ingest.fetch import fetch, make_client
from services.ingest.hostlimits import HostLimiter
from services.ingest.ledger import ArticleLedger
from services.ingest.netpolicy import NetworkPolicy
from services.ingest.poller import FeedPoller, digest_feed
from shared.settings import Settings
from tests.fakenet import CannedNetwork, StubResolver, http_response
from tests.feedfactory import rss_feed
from tests.feedserver import FeedRoute, FeedServer
from tests.helpers import stream_events

pytestmark = pytest.mark.integration

PUBLIC = "93.184.215.14"


async def test_a_checked_name_is_connected_to_at_its_checked_address(settings: Settings) -> None:
    # `example.test` exists only in the stub: reaching the server proves nothing looked it up
    # again, and the request still names the host it was for.
    with FeedServer() as server:
        server.set("/rss", FeedRoute(body=b"<rss/>"))
        port = urlsplit(server.base_url).port
        resolve = StubResolver({"example.test": ["127.0.0.1"]})
        limits = fetch_limits(settings)
        policy = NetworkPolicy(allow_private=True, resolve=resolve)
        async with make_client(
            limits, user_agent="test", max_connections=2, policy=policy
        ) as client:
            fetched = await fetch(client, f"http://example.test:{port}/rss", limits=limits)
        [request] = server.requests("/rss")
    assert fetched.body == b"<rss/>"
    assert resolve.lookups == ["example.test"]
    assert request.headers["host"] == f"example.test:{port}"


async def test_a_refused_full_text_link_keeps_the_feeds_text_and_a_refused_feed_fails_alone(
    settings: Settings, redis_client: Redis
) -> None:
    # The feed is public; its items link into the private network, as a hostile feed's would.
    feed = rss_feed(feed_no=1, entries=2, base_url="http://10.0.0.1")
    network = CannedNetwork(
        {PUBLIC: http_response(feed, headers={"content-type": "application/rss+xml"})}
    )
    resolve = StubResolver({"feeds.test": [PUBLIC], "intranet.test": ["192.168.0.10"]})
    limits = fetch_limits(settings)
    client = make_client(
        limits,
        user_agent="test",
        max_connections=4,
        policy=NetworkPolicy(resolve=resolve),
        network=network,
    )
    ledger = ArticleLedger(
        redis_client,
        prefix=settings.stream_prefix,
        raw_stream=settings.streams.raw,
        retention_seconds=3600,
    )
    poller = FeedPoller(
        client=client,
        limits=limits,
        hosts=HostLimiter(total=4, per_host=2),
        ledger=ledger,
        states=feed_state_store(redis_client, settings),
        policy=poll_policy(settings),
        max_text_bytes=settings.max_article_bytes,
        rng=random.Random(1),
    )
    async with client:
        good = await poller.poll(
            FeedConfig(url="http://feeds.test/rss", full_text=True),
            FeedState.first("http://feeds.test/rss"),
        )
        refused = await poller.poll(
            FeedConfig(url="http://intranet.test/rss"), FeedState.first("http://intranet.test/rss")
        )

    assert (good.error_count, good.published) == (0, 2)
    assert network.connected == [PUBLIC]  # never the article pages
    events = await stream_events(redis_client, settings.streams.raw)
    own = digest_feed(
        feed,
        url="http://feeds.test/rss",
        identity=feed_identity("http://feeds.test/rss"),
        headers={},
        max_text_bytes=10**5,
        now=datetime.now(UTC),
    )
    assert [event["text"] for event in events] == [article.text for article in own.articles]
    assert refused.error_count == 1
    assert refused.last_error == (
        "refused intranet.test: its address 192.168.0.10 is private "
        "(FEED_ALLOW_PRIVATE_NETWORKS is off)"
    )
