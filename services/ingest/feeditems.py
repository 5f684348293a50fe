"""A parsed feed in the project's own terms, whichever format it came in."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


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


def describe_error(exc: object) -> str:
    """A one-line account of what a parsing library raised: its type and message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def link_of(link: str | None, *, guid: str | None, guid_is_link: bool) -> str | None:
    """An item's link, unless it is only a GUID without a scheme standing in for one.

    RSS says a GUID is a permalink unless marked otherwise, so parsers take `<guid>123</guid>`
    as the link of an item without one; resolved against the feed URL that would make up an
    article URL that does not exist. A GUID with a scheme (a real URL) still serves as link.
    """
    if guid_is_link and link is not None and link == guid and not _ABSOLUTE.match(link):
        return None
    return link


def timestamp(parsed: time.struct_time | None) -> datetime | None:
    """A UTC struct_time (feedparser normalises every date it understands to one) as a datetime."""
    if parsed is None:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (TypeError, ValueError):
        return None
