"""A parsed feed in the project's own terms, whichever format it came in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry as the feed states it, before its HTML is cleaned."""

    guid: str | None
    link: str | None
    title: str | None
    content: str
    """The entry's fullest content: HTML, or plain text (HTML cleaning keeps plain text as is)."""
    published: datetime | None


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """Everything a poll needs from one feed body."""

    title: str | None
    ttl: str | None
    """The RSS `<ttl>` as written (minutes), if any."""
    items: list[FeedItem] = field(default_factory=list)
    warning: str | None = None
    """A recoverable problem the parser worked around (feedparser's bozo)."""


class FeedFormatError(ValueError):
    """A body that is not a feed at all, or is broken beyond recovering any entry."""
