"""Feed polling against a local HTTP server and a real Redis: dedup, revisions, hostile feeds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.ingest.app import IngestService
from services.ingest.feedlist import FeedConfig, save_feed_list
from services.ingest.feedstate import FeedState
from shared.metrics import ServiceMetrics
from shared.settings import Settings
from tests.feedfactory import atom_feed, rss_feed
from tests.feedserver import FeedRoute, FeedServer
from tests.helpers import stream_events

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feeds:
        yield feeds


@pytest.fixture
def feed_settings(settings: Settings, tmp_path: Path) -> Settings:
    # Short limits so hostile feeds fail fast; no initial spread so every feed is due at once.
    return settings.model_copy(
        update={
            "feeds_file": tmp_path / "feeds.toml",
            "feed_initial_spread": 0.0,
            "feed_timeout": 2.0,
            "feed_connect_timeout": 1.0,
            "feed_max_bytes": 2_000_000,
            "feed_host_concurrency": 64,
            "feed_concurrency": 64,
        }
    )


def _list_feeds(settings: Settings, urls: list[str]) -> None:
    save_feed_list(settings.feeds_file, [FeedConfig(url=url) for url in urls])


def _by_url(states: list[FeedState]) -> dict[str, FeedState]:
    return {state.url: state for state in states}


async def test_two_hundred_feeds_publish_once_then_conditionally_then_a_revision(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    feeds, entries = 200, 10
    for n in range(feeds):
        make = rss_feed if n % 2 else atom_feed
        server.set(
            f"/feed/{n}",
            FeedRoute(
                body=make(feed_no=n, entries=entries),
                etag=f'"v1-{n}"',
                last_modified="Thu, 01 Jan 2026 00:00:00 GMT",
                content_type="application/atom+xml" if n % 2 == 0 else "application/rss+xml",
            ),
        )
    _list_feeds(feed_settings, [server.url(f"/feed/{n}") for n in range(feeds)])
    # The server shares this process (and its GIL) with ingest: give fetches time.
    service = IngestService(feed_settings.model_copy(update={"feed_timeout": 60.0}))

    first = await service.poll_once()
    events = await stream_events(redis_client, feed_settings.streams.raw)
    assert len(first) == feeds
    assert all(state.error_count == 0 and state.last_warning is None for state in first)
    assert len(events) == feeds * entries
    assert len({e["id"] for e in events}) == feeds * entries
    assert {e["revision"] for e in events} == {1}
    assert all(e["source"]["kind"] == "feed" and "utm_source" not in e["url"] for e in events)

    server.clear_requests()
    second = await service.poll_once()
    assert all(state.error_count == 0 for state in second)
    requests = server.requests()
    assert len(requests) == feeds
    assert all(r.headers.get("if-none-match", "").startswith('"v1-') for r in requests)
    assert all("if-modified-since" in r.headers for r in requests)
    assert await redis_client.xlen(feed_settings.streams.raw) == feeds * entries

    changed = 7  # an RSS feed; its entry 3 gets new text under the same GUID
    server.set(
        f"/feed/{changed}",
        FeedRoute(body=rss_feed(feed_no=changed, entries=entries, revision_of={3: 2}), etag='"v2"'),
    )
    await service.poll_once()
    events = await stream_events(redis_client, feed_settings.streams.raw)
    assert len(events) == feeds * entries + 1
    revised = events[-1]
    assert revised["revision"] == 2
    originals = [e for e in events[:-1] if e["id"] == revised["id"]]
    assert len(originals) == 1
    assert originals[0]["text"] != revised["text"]


async def test_an_unchanged_body_without_validators_publishes_nothing(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    server.set("/plain", FeedRoute(body=rss_feed(feed_no=1, entries=5)))
    _list_feeds(feed_settings, [server.url("/plain")])
    service = IngestService(feed_settings)

    await service.poll_once()
    await service.poll_once()

    assert await redis_client.xlen(feed_settings.streams.raw) == 5
    assert all("if-none-match" not in r.headers for r in server.requests())


async def test_the_same_article_in_two_feeds_is_published_once(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    body = atom_feed(feed_no=3, entries=4)  # tag: ids name themselves in every feed
    server.set("/section/world", FeedRoute(body=body))
    server.set("/section/top", FeedRoute(body=body))
    _list_feeds(feed_settings, [server.url("/section/world"), server.url("/section/top")])

    await IngestService(feed_settings).poll_once()

    assert await redis_client.xlen(feed_settings.streams.raw) == 4


def _shared_guid_feed(title: str, text: str) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><item>'
        "<title>Shared story</title><guid>https://outlet-a.example/story</guid>"
        f"<description>{text}</description></item></channel></rss>"
    ).encode()


async def test_a_shared_guid_is_revised_only_by_the_feed_that_published_it_first(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    server.set("/a", FeedRoute(body=_shared_guid_feed("Outlet A", "Original text.")))
    _list_feeds(feed_settings, [server.url("/a")])
    await IngestService(feed_settings).poll_once()
    # Feed B lists A's article (its URL as GUID) with other text: a duplicate, every time.
    server.set("/b", FeedRoute(body=_shared_guid_feed("Outlet B", "Hijacked text.")))
    _list_feeds(feed_settings, [server.url("/a"), server.url("/b")])
    service = IngestService(feed_settings)
    await service.poll_once()
    server.set("/b", FeedRoute(body=_shared_guid_feed("Outlet B", "Hijacked again.")))
    await service.poll_once()
    server.set("/a", FeedRoute(body=_shared_guid_feed("Outlet A", "Corrected text.")))
    await service.poll_once()
    await service.poll_once()

    events = await stream_events(redis_client, feed_settings.streams.raw)
    assert [(e["revision"], e["outlet"], e["text"]) for e in events] == [
        (1, "Outlet A", "Original text."),
        (2, "Outlet A", "Corrected text."),
    ]


async def test_hostile_feeds_fail_alone_with_clear_errors(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    routes = {
        "/ok": FeedRoute(body=rss_feed(feed_no=9, entries=3), gzip=True),
        "/not-a-feed": FeedRoute(
            body=b"<html><body><p>Hello</p></body></html>", content_type="text/html"
        ),
        "/empty": FeedRoute(body=b""),
        "/missing": FeedRoute(status=404),
        "/broken-server": FeedRoute(status=500),
        "/huge": FeedRoute(stream_bytes=3_000_000),
        "/slow": FeedRoute(body=rss_feed(feed_no=8, entries=1), delay=5.0),
        "/busy": FeedRoute(status=429, headers={"Retry-After": "120"}),
        "/gone": FeedRoute(status=410),
    }
    for path, route in routes.items():
        server.set(path, route)
    _list_feeds(feed_settings, [server.url(path) for path in routes])

    states = _by_url(await IngestService(feed_settings).poll_once())

    def state(path: str) -> FeedState:
        return states[server.url(path)]

    assert state("/ok").error_count == 0
    assert await redis_client.xlen(feed_settings.streams.raw) == 3
    expected_errors = {
        "/not-a-feed": "not a feed",
        "/empty": "empty response body",
        "/missing": "HTTP 404",
        "/broken-server": "HTTP 500",
        "/huge": "over the 2000000-byte limit",
        "/slow": "timed out after 2 s",
        "/busy": "HTTP 429",
        "/gone": "410 Gone",
    }
    for path, message in expected_errors.items():
        assert message in (state(path).last_error or ""), (path, state(path).last_error)
        assert state(path).error_count == 1
    now = datetime.now(UTC)
    busy_next = state("/busy").next_poll_at
    assert busy_next is not None
    assert busy_next >= now + timedelta(seconds=110)
    assert state("/gone").paused
    assert state("/gone").next_poll_at is None


async def test_a_paused_feed_is_not_polled_again(
    feed_settings: Settings, server: FeedServer
) -> None:
    server.set("/gone", FeedRoute(status=410))
    _list_feeds(feed_settings, [server.url("/gone")])
    service = IngestService(feed_settings)

    await service.poll_once()
    assert await service.poll_once() == []
    assert len(server.requests("/gone")) == 1


async def test_errors_back_off_and_pause_the_feed_after_the_limit(
    feed_settings: Settings, server: FeedServer
) -> None:
    server.set("/flaky", FeedRoute(status=503))
    _list_feeds(feed_settings, [server.url("/flaky")])
    settings = feed_settings.model_copy(update={"feed_max_errors": 3, "feed_jitter": 0.0})
    service = IngestService(settings)

    delays = []
    for _ in range(3):
        [state] = await service.poll_once()
        assert state.last_polled_at is not None
        if state.next_poll_at is not None:
            delays.append((state.next_poll_at - state.last_polled_at).total_seconds())
    assert delays == [settings.feed_min_interval, 2 * settings.feed_min_interval]
    assert state.paused_reason is not None
    assert "3 consecutive errors" in state.paused_reason
    assert "HTTP 503" in state.paused_reason


async def test_a_permanent_redirect_is_adopted_once_stable(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    server.set("/old", FeedRoute(status=301, headers={"Location": "/new"}))
    server.set("/new", FeedRoute(body=rss_feed(feed_no=5, entries=2), etag='"n"'))
    _list_feeds(feed_settings, [server.url("/old")])
    service = IngestService(feed_settings)

    states = [(await service.poll_once())[0] for _ in range(3)]

    assert [s.fetch_url for s in states[:2]] == [server.url("/old")] * 2
    assert states[1].redirect_target == server.url("/new")
    assert states[2].fetch_url == server.url("/new")
    assert await redis_client.xlen(feed_settings.streams.raw) == 2
    server.clear_requests()
    await service.poll_once()
    assert [r.path for r in server.requests()] == ["/new"]


async def test_a_feed_moved_to_another_host_republishes_nothing(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    # Bare GUIDs (no isPermaLink) and relative links, as many CMS feeds write them.
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Moving</title>'
        + "".join(
            f"<item><title>Story {n}</title><guid>{n}</guid><link>/story/{n}</link>"
            f"<description>Text of story {n}.</description></item>"
            for n in range(3)
        )
        + "</channel></rss>"
    ).encode()
    server.set("/feed", FeedRoute(body=body, etag='"1"'))
    _list_feeds(feed_settings, [server.url("/feed")])
    service = IngestService(feed_settings)
    await service.poll_once()
    # The feed moves to another host name (as to www or https) and path, permanently.
    moved = server.url("/moved").replace("127.0.0.1", "localhost")
    server.set("/feed", FeedRoute(status=301, headers={"Location": moved}))
    server.set("/moved", FeedRoute(body=body, etag='"2"'))

    states = [(await service.poll_once())[0] for _ in range(4)]

    assert states[-1].fetch_url == moved
    assert all(state.error_count == 0 for state in states)
    events = await stream_events(redis_client, feed_settings.streams.raw)
    assert [e["guid"] for e in events] == ["0", "1", "2"]


# fixture → (articles published, or the error, and whether a parse warning is expected)
FIXTURE_OUTCOMES: dict[str, tuple[int | str, bool]] = {
    "atom-xhtml-base.xml": (2, False),
    "broken-xml.xml": (2, True),
    "declared-utf8-actually-latin1.xml": (1, True),
    "empty.xml": ("empty response body", False),
    "html-page.html": ("not a feed", False),
    "jsonfeed-1.1.json": (2, False),
    "no-guid-no-link.xml": (2, False),
    "repeated-guids.xml": (2, False),
    "rss091.xml": (2, False),
    "rss092.xml": (2, False),
    "rss10-rdf.xml": (2, False),
    "rss20-full.xml": (2, False),
    "windows-1252.xml": (1, False),
}


def test_every_fixture_has_an_expected_outcome() -> None:
    assert sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".md") == sorted(
        FIXTURE_OUTCOMES
    )


@pytest.mark.parametrize(("fixture", "outcome"), sorted(FIXTURE_OUTCOMES.items()))
async def test_fixture_feeds_give_their_articles_or_a_clear_error(
    fixture: str,
    outcome: tuple[int | str, bool],
    feed_settings: Settings,
    redis_client: Redis,
    server: FeedServer,
) -> None:
    expected, warns = outcome
    server.set(
        "/f", FeedRoute(body=(FIXTURES / fixture).read_bytes(), content_type="application/xml")
    )
    _list_feeds(feed_settings, [server.url("/f")])

    [state] = await IngestService(feed_settings).poll_once()

    events = await stream_events(redis_client, feed_settings.streams.raw)
    if isinstance(expected, str):
        assert expected in (state.last_error or "")
        assert events == []
        return
    assert state.error_count == 0, state.last_error
    assert len(events) == expected == state.entries_seen == state.published
    assert len({e["id"] for e in events}) == expected
    assert bool(state.last_warning) == warns, state.last_warning
    for event in events:
        assert event["text"].strip()
        assert "<" not in event["text"]
        assert event["url"] is None or "utm_" not in event["url"]


async def test_wordpress_style_content_is_cleaned(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    server.set("/wp", FeedRoute(body=(FIXTURES / "rss20-full.xml").read_bytes()))
    _list_feeds(feed_settings, [server.url("/wp")])

    await IngestService(feed_settings).poll_once()

    first = (await stream_events(redis_client, feed_settings.streams.raw))[0]
    assert first["url"] == "https://daily.example.com/2026/01/bridge/"
    assert first["text"].startswith("The river bridge will be inspected next week")
    assert "trackReader" not in first["text"]
    assert "color:red" not in first["text"]
    assert "photo.jpg" in first["html"]
    assert "pixel.wp.com" not in first["html"]
    assert "<script" not in first["html"]


ARTICLE_PAGE = b"""<!DOCTYPE html><html><head><title>Harbour wall repaired</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<article><h1>Harbour wall repaired</h1>
<p>The harbour wall damaged in the winter storms has been repaired, the port office said on
Tuesday, after six weeks of work by a team of twelve masons and engineers.</p>
<p>Boats that had been moored in the outer basin can return to their usual berths from next
week, and the footpath along the wall will reopen to walkers at the same time.</p>
<p>The repair used stone from the original quarry so that the new section matches the old.</p>
</article>
<aside>Most read: festival programme, library hours, market reopens</aside>
<footer>Copyright Example Harbour News. All rights reserved.</footer></body></html>"""


async def test_full_text_replaces_the_teaser_with_the_page_text(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title>'
        f"<item><title>Harbour</title><link>{server.url('/story/1')}</link>"
        "<description>Short teaser.</description></item>"
        f"<item><title>Missing</title><link>{server.url('/story/404')}</link>"
        "<description>Teaser of a page that is gone.</description></item>"
        "</channel></rss>"
    ).encode()
    server.set("/teasers", FeedRoute(body=feed))
    server.set("/story/1", FeedRoute(body=ARTICLE_PAGE, content_type="text/html; charset=utf-8"))
    save_feed_list(
        feed_settings.feeds_file, [FeedConfig(url=server.url("/teasers"), full_text=True)]
    )
    service = IngestService(feed_settings)

    await service.poll_once()
    await service.poll_once()  # unchanged: no page fetched again

    events = await stream_events(redis_client, feed_settings.streams.raw)
    assert len(events) == 2
    full, missing = events
    assert "The harbour wall damaged in the winter storms" in full["text"]
    assert "original quarry" in full["text"]
    assert "Most read" not in full["text"]
    assert "All rights reserved" not in full["text"]
    assert full["html"] == "Short teaser."
    assert missing["text"] == "Teaser of a page that is gone."
    assert len(server.requests("/story/1")) == 1


async def test_fetches_per_host_are_limited(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    for n in range(8):
        server.set(f"/slow/{n}", FeedRoute(body=rss_feed(feed_no=n, entries=1), delay=0.3))
    _list_feeds(feed_settings, [server.url(f"/slow/{n}") for n in range(8)])
    settings = feed_settings.model_copy(update={"feed_host_concurrency": 2})

    states = await IngestService(settings).poll_once()

    assert all(state.error_count == 0 for state in states)
    assert server.max_in_flight == 2
    assert await redis_client.xlen(settings.streams.raw) == 8


async def test_a_redirect_loop_is_cut_at_the_cap(
    feed_settings: Settings, server: FeedServer
) -> None:
    server.set("/loop", FeedRoute(status=302, headers={"Location": "/loop"}))
    _list_feeds(feed_settings, [server.url("/loop")])

    [state] = await IngestService(feed_settings).poll_once()

    assert state.last_error == f"more than {feed_settings.feed_max_redirects} redirects"
    assert len(server.requests("/loop")) == feed_settings.feed_max_redirects + 1


async def test_poll_outcomes_and_publications_are_counted_in_the_metrics(
    feed_settings: Settings, redis_client: Redis, server: FeedServer
) -> None:
    server.set("/good.xml", FeedRoute(body=rss_feed(feed_no=1, entries=5), etag='"v1"'))
    server.set("/broken.xml", FeedRoute(body=b"<html>not a feed</html>"))
    _list_feeds(feed_settings, [server.url("/good.xml"), server.url("/broken.xml")])
    metrics = ServiceMetrics("ingest")
    service = IngestService(feed_settings, metrics)

    await service.poll_once()
    await service.poll_once()  # the good feed answers 304 now

    def value(name: str, **labels: str) -> float:
        found = metrics.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    assert value("newswire_feeds_polled_total", outcome="ok") == 1
    assert value("newswire_feeds_polled_total", outcome="unchanged") == 1
    assert value("newswire_feeds_polled_total", outcome="failed") == 2
    assert value("newswire_articles_published_total") == 5
    assert value("newswire_articles_deduplicated_total") == 0
