"""What ingest makes of a parsed feed, for comparing the fast parse path with feedparser."""

from __future__ import annotations

from datetime import UTC, datetime

from services.ingest.entry import SourceEntry
from services.ingest.feedentries import source_entries
from services.ingest.feeditems import FeedDocument
from services.ingest.normalise import RejectedEntry, normalise

URL = "https://news.example.com/feed.xml"
NOW = datetime(2026, 1, 2, tzinfo=UTC)


def normalised_view(document: FeedDocument) -> list[object]:
    """The document's own fields and each entry's article (or its refusal), as plain data."""
    out: list[object] = [document.title, document.ttl, document.warning]
    for entry in source_entries(document, feed_url=URL, identity="feed"):
        if not isinstance(entry, SourceEntry):
            out.append(entry.error)
            continue
        try:
            out.append(normalise(entry, max_text_bytes=200_000, now=NOW).model_dump())
        except RejectedEntry as exc:
            out.append(str(exc))
    return out
