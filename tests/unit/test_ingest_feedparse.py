from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from services.ingest.entry import SourceEntry
from services.ingest.feedentries import source_entries
from services.ingest.feeditems import FeedDocument, FeedFormatError
from services.ingest.feedlist import feed_identity
from services.ingest.feedparse import parse_feed
from services.ingest.poller import digest_feed

URL = "https://news.example.com/feed.xml"
IDENTITY = feed_identity(URL)
NOW = datetime(2026, 1, 2, tzinfo=UTC)
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


def _entries(document: FeedDocument) -> list[SourceEntry]:
    entries = source_entries(document, feed_url=URL, identity=IDENTITY)
    assert all(isinstance(entry, SourceEntry) for entry in entries)
    return [entry for entry in entries if isinstance(entry, SourceEntry)]


def test_rss_items_become_clean_entries() -> None:
    document = parse_feed(RSS, headers={"content-type": "application/rss+xml"})
    assert document.title == "Example & Co"
    assert document.ttl == "45"
    assert document.warning is None
    first, headline = _entries(document)
    assert first.title == "First story"
    assert first.text == "Full first story.\n\nSecond paragraph."
    assert first.html is not None
    assert "<script" not in first.html
    assert first.url == "https://news.example.com/2026/first?utm_source=rss"
    assert first.guid == "a-1"
    assert first.guid_scope == IDENTITY
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
    document = parse_feed(body, headers={"content-type": "application/rss+xml; charset=iso-8859-1"})
    assert document.title == "Caf\u00e9"
    assert document.items[0].content == "R\u00e9sum\u00e9"


def test_broken_xml_keeps_the_entries_before_the_break_with_a_warning() -> None:
    body = RSS.replace(b"</channel></rss>", b"<item><title>cut")
    document = parse_feed(body, headers={})
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
        parse_feed(body, headers={})


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
    document = parse_feed(body, headers={"content-type": "application/feed+json"})
    assert document.title == "Example JSON"
    assert [i.guid for i in document.items] == ["1", "2"]
    assert document.warning == "1 items are not JSON objects"
    first, second = _entries(document)
    assert first.text == "Hello world"
    assert first.published_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert second.text == "Plain text item."


def test_entries_the_schema_refuses_are_rejected_one_by_one() -> None:
    long_title = "Headline " * 400
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>{long_title}</title><description>Text.</description></item>"
        "<item><title>Fine</title><link>https://news.example.com/ok</link>"
        "<description>Good text.</description></item>"
        "<item><title>Empty</title><description>  </description><guid>x</guid></item>"
        "</channel></rss>"
    ).encode()

    digest = digest_feed(
        body, url=URL, identity=IDENTITY, headers={}, max_text_bytes=200_000, now=NOW
    )

    assert [a.title for a in digest.articles] == ["Fine", "Empty"]
    assert len(digest.rejected) == 1
    assert "title" in digest.rejected[0].error
    assert digest.rejected[0].where == f"{URL} entry 1"


def test_a_parser_crash_becomes_this_feeds_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("services.ingest.poller.parse_feed", explode)
    with pytest.raises(FeedFormatError, match="parser failed: RecursionError: maximum recursion"):
        digest_feed(RSS, url=URL, identity=IDENTITY, headers={}, max_text_bytes=200_000, now=NOW)


def test_entity_bombs_and_external_entities_are_not_expanded() -> None:
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    ]
    body = (
        '<?xml version="1.0"?><!DOCTYPE rss ['
        + "".join(levels)
        + '<!ENTITY s SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>t</title>'
        "<item><title>&l9;</title><description>&s; x</description></item>"
        "<item><title>ok</title><description>fine</description></item></channel></rss>"
    ).encode()

    digest = digest_feed(
        body, url=URL, identity=IDENTITY, headers={}, max_text_bytes=200_000, now=NOW
    )

    texts = [f"{a.title} {a.text}" for a in digest.articles]
    assert all(len(text) < 1000 for text in texts)
    assert not any("root:" in text for text in texts)
    assert "ok fine" in texts
