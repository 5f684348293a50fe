"""Synthetic feeds for load tests and benchmarks: deterministic, invented, realistic in size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

_BASE_DATE = datetime(2026, 1, 1, tzinfo=UTC)
_WORDS = [
    "council",
    "budget",
    "river",
    "bridge",
    "harbour",
    "museum",
    "festival",
    "school",
    "library",
    "market",
    "railway",
    "station",
    "orchard",
    "garden",
    "weather",
    "forecast",
    "committee",
    "volunteers",
    "residents",
    "repairs",
    "schedule",
    "exhibition",
    "concert",
    "season",
    "programme",
    "lecture",
    "workshop",
    "survey",
    "report",
    "planning",
    "district",
]


def _sentence(seed: int, length: int) -> str:
    words = [_WORDS[(seed * 7 + n * 13) % len(_WORDS)] for n in range(length)]
    return " ".join(words).capitalize() + "."


def _paragraphs(feed_no: int, entry_no: int) -> list[str]:
    count = 2 + (feed_no + entry_no) % 3
    return [
        " ".join(_sentence(feed_no * 1000 + entry_no * 10 + p + s, 12 + s % 5) for s in range(6))
        for p in range(count)
    ]


def _entry_html(feed_no: int, entry_no: int, revision: int) -> str:
    paragraphs = _paragraphs(feed_no, entry_no)
    if revision > 1:
        paragraphs.append(f"Updated (revision {revision}).")
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _when(entry_no: int) -> datetime:
    return _BASE_DATE - timedelta(hours=entry_no)


def rss_feed(
    *,
    feed_no: int,
    entries: int = 50,
    revision_of: dict[int, int] | None = None,
    base_url: str = "https://news.example.com",
) -> bytes:
    """An RSS 2.0 feed of `entries` items; `revision_of` changes the text of those entries."""
    revisions = revision_of or {}
    items = []
    for n in range(entries):
        link = f"{base_url}/{feed_no}/story-{n}?utm_source=rss"
        html = _entry_html(feed_no, n, revisions.get(n, 1))
        items.append(
            "<item>"
            f"<title>Story {n} of feed {feed_no}</title>"
            f"<link>{escape(link)}</link>"
            f'<guid isPermaLink="false">feed-{feed_no}-entry-{n}</guid>'
            f"<pubDate>{format_datetime(_when(n))}</pubDate>"
            f"<description>{escape(html)}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Example feed {feed_no}</title><link>{base_url}/{feed_no}/</link>"
        f"<description>Invented test feed</description>{''.join(items)}</channel></rss>"
    ).encode()


def atom_feed(
    *, feed_no: int, entries: int = 50, base_url: str = "https://news.example.org"
) -> bytes:
    """An Atom 1.0 feed of `entries` entries with HTML content."""
    items = []
    for n in range(entries):
        link = f"{base_url}/{feed_no}/entry-{n}?utm_medium=feed"
        items.append(
            "<entry>"
            f"<title>Entry {n} of feed {feed_no}</title>"
            f'<link rel="alternate" href="{escape(link)}"/>'
            f"<id>tag:news.example.org,2026:{feed_no}-{n}</id>"
            f"<updated>{_when(n).isoformat()}</updated>"
            f'<content type="html">{escape(_entry_html(feed_no, n, 1))}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Example Atom feed {feed_no}</title><id>tag:news.example.org,2026:{feed_no}</id>"
        f"<updated>{_BASE_DATE.isoformat()}</updated>{''.join(items)}</feed>"
    ).encode()
