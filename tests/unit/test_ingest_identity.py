"""Entry identity belongs to the feed: bare GUIDs scoped to its identity, never its fetch URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.ingest.feedlist import feed_identity
from services.ingest.html import CleanedHtml, clean_html
from services.ingest.poller import Digest, digest_feed
from shared.ids import article_id, canonical_url
from shared.schemas import RawArticle

NOW = datetime(2026, 1, 2, tzinfo=UTC)
CONFIGURED = "https://news.example.com/feed.xml"
RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>
<item><title>Bare</title><guid>12345</guid><description>Bare GUID, no link.</description></item>
<item><title>Linked</title><guid>678</guid><link>/news/678</link><description>x</description></item>
<item><title>URL</title><guid>https://news.example.com/a?utm_source=rss</guid>
<description>A GUID that is a URL.</description></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>r/example</title><id>/r/example/.rss</id>
<entry><id>t3_1abcde</id><title>Post</title><updated>2026-01-01T00:00:00Z</updated>
<content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"""


def _digest(body: bytes, *, fetched_from: str, configured: str = CONFIGURED) -> Digest:
    return digest_feed(
        body,
        url=fetched_from,
        identity=feed_identity(configured),
        headers={},
        max_text_bytes=200_000,
        now=NOW,
    )


def _articles(body: bytes, *, fetched_from: str, configured: str = CONFIGURED) -> list[RawArticle]:
    digest = _digest(body, fetched_from=fetched_from, configured=configured)
    assert digest.rejected == []
    return digest.articles


@pytest.mark.parametrize("body", [RSS, ATOM])
@pytest.mark.parametrize(
    "fetched_from",
    [
        "http://news.example.com/feed.xml",
        "https://www.news.example.com/feed.xml",
        "https://feeds.example.net/moved/elsewhere.rss",
    ],
)
def test_ids_do_not_depend_on_where_the_feed_is_fetched_from(
    body: bytes, fetched_from: str
) -> None:
    here = _articles(body, fetched_from=CONFIGURED)
    there = _articles(body, fetched_from=fetched_from)
    assert [a.id for a in here] == [a.id for a in there]
    assert [a.guid for a in here] == [a.guid for a in there]


def test_the_guid_is_what_the_feed_wrote_and_makes_up_no_url() -> None:
    bare, linked, url = _articles(RSS, fetched_from=CONFIGURED)
    assert (bare.guid, bare.url) == ("12345", None)
    assert (linked.guid, linked.url) == ("678", "https://news.example.com/news/678")
    [post] = _articles(ATOM, fetched_from=CONFIGURED)
    assert (post.guid, post.url) == ("t3_1abcde", None)
    # A bare GUID is scoped to the feed's identity, so another feed's "12345" is another article.
    other = _articles(RSS, fetched_from=CONFIGURED, configured="https://news.example.com/world")
    assert other[0].id != bare.id
    # A GUID that is a URL keeps the id it always had: that of its canonical URL, in every feed.
    assert url.guid == "https://news.example.com/a?utm_source=rss"
    assert url.id == article_id(
        url=canonical_url("https://news.example.com/a"), guid=None, title=None, text=""
    )
    assert other[2].id == url.id


def test_the_feed_identity_ignores_scheme_and_www_but_not_the_path() -> None:
    identity = feed_identity("https://example.com/rss")
    assert feed_identity("http://www.example.com/rss") == identity
    assert feed_identity("HTTPS://Example.com:443/rss#top") == identity
    assert feed_identity("https://example.com/rss/world") != identity
    assert feed_identity("https://example.com/rss?section=world") != identity


def test_an_entry_that_fails_cleaning_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def fragile(html: str, *, base_url: str | None = None) -> CleanedHtml:
        if "Bare GUID" in html:
            raise RecursionError("maximum recursion depth exceeded")
        return clean_html(html, base_url=base_url)

    monkeypatch.setattr("services.ingest.feedentries.clean_html", fragile)
    digest = _digest(RSS, fetched_from=CONFIGURED)
    assert [a.title for a in digest.articles] == ["Linked", "URL"]
    [failed] = digest.rejected
    assert failed.where == f"{CONFIGURED} entry 1"
    assert "RecursionError" in failed.error
