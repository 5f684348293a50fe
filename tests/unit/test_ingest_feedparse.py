from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.ingest.feedentries import source_entries
from services.ingest.feeditems import FeedFormatError
from services.ingest.feedparse import parse_feed

URL = "https://news.example.com/feed.xml"
RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Example &amp; Co</title><ttl>45</ttl>
<item><title>First &lt;b&gt;story&lt;/b&gt;</title><guid isPermaLink="false">a-1</guid>
<link>/2026/first?utm_source=rss</link>
<description>Teaser only.</description>
<content:encoded><![CDATA[<p>Full <b>first</b> story.</p><script>alert(1)</script>
<p>Second paragraph.</p>]]></content:encoded>
<pubDate>Thu, 01 Jan 2026 10:00:00 +0200</pubDate></item>
<item><title>Headline only</title><link>javascript:alert(1)</link></item>
</channel></rss>"""


def test_rss_items_become_clean_entries() -> None:
    document = parse_feed(RSS, url=URL, headers={"content-type": "application/rss+xml"})
    assert document.title == "Example & Co"
    assert document.ttl == "45"
    assert document.warning is None
    first, headline = source_entries(document, feed_url=URL)
    assert first.title == "First story"
    assert first.text == "Full first story.\n\nSecond paragraph."
    assert first.html is not None
    assert "<script" not in first.html
    assert first.url == "https://news.example.com/2026/first?utm_source=rss"
    assert first.guid == "a-1"
    assert first.guid_scope == "news.example.com"
    assert first.published_at == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert first.outlet == "Example & Co"
    assert first.source.kind == "feed"
    # A headline-only item keeps its headline as text; a javascript: link is no URL.
    assert (headline.text, headline.url) == ("Headline only", None)


def test_charset_from_the_http_header_counts() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Caf\u00e9</title>'
        "<item><title>Na\u00efve</title><description>R\u00e9sum\u00e9</description></item>"
        "</channel></rss>"
    ).encode("latin-1")
    document = parse_feed(
        body, url=URL, headers={"content-type": "application/rss+xml; charset=iso-8859-1"}
    )
    assert document.title == "Caf\u00e9"
    assert document.items[0].content == "R\u00e9sum\u00e9"


def test_broken_xml_keeps_the_entries_before_the_break_with_a_warning() -> None:
    body = RSS.replace(b"</channel></rss>", b"<item><title>cut")
    document = parse_feed(body, url=URL, headers={})
    assert len(document.items) >= 2
    assert document.warning


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty response body"),
        (b"   \n", "empty response body"),
        (b"<html><body><p>Not a feed</p></body></html>", "not a feed"),
        (b"\x00\x01\x02garbage", "not a feed"),
        (b'{"hello": "world"}', "not a feed: JSON without"),
        (b"{not json", "not a feed: invalid JSON"),
    ],
)
def test_non_feeds_are_clear_errors(body: bytes, message: str) -> None:
    with pytest.raises(FeedFormatError, match=message):
        parse_feed(body, url=URL, headers={})


def test_json_feed() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Example JSON",
            "items": [
                {
                    "id": "1",
                    "url": "https://news.example.com/j/1",
                    "title": "One",
                    "content_html": "<p>Hello <i>world</i></p>",
                    "date_published": "2026-01-02T03:04:05Z",
                },
                {"id": 2, "content_text": "Plain text item."},
                "not an object",
            ],
        }
    ).encode()
    document = parse_feed(body, url=URL, headers={"content-type": "application/feed+json"})
    assert document.title == "Example JSON"
    assert [i.guid for i in document.items] == ["1", "2"]
    assert document.warning == "1 items are not JSON objects"
    first, second = source_entries(document, feed_url=URL)
    assert first.text == "Hello world"
    assert first.published_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert second.text == "Plain text item."
