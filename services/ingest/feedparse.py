"""Feed bytes to a `FeedDocument`: RSS 0.9x/1.0/2.0, Atom and RDF via feedparser, JSON Feed.

feedparser gets the response headers too, so a charset in Content-Type counts, but never a
Content-Location: it would resolve every bare GUID against it, making an entry's identity
depend on where the feed is fetched from. GUIDs stay as the feed wrote them; relative links
are made absolute later (`feedentries`). It never sees a URL it could fetch.
Character references to UTF-16 surrogates, which make it raise, are repaired first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import feedparser

from services.ingest.charrefs import repair_surrogate_references
from services.ingest.fastfeed import parse_fast
from services.ingest.feeditems import (
    FeedDocument,
    FeedFormatError,
    FeedItem,
    describe_error,
    link_of,
    timestamp,
)
from services.ingest.jsonfeed import is_json_feed, parse_json_feed


def parse_feed(body: bytes, *, headers: Mapping[str, str]) -> FeedDocument:
    """The feed in `body`; raises FeedFormatError when nothing feed-like can be recovered."""
    if not body.strip():
        msg = "empty response body"
        raise FeedFormatError(msg)
    if is_json_feed(body, headers.get("content-type", "")):
        return parse_json_feed(body)
    return _parse_xml(body, headers=headers)


def _parse_xml(body: bytes, *, headers: Mapping[str, str]) -> FeedDocument:
    body = repair_surrogate_references(body)
    headers = {k: v for k, v in headers.items() if k.lower() != "content-location"}
    return parse_fast(body, headers) or parse_with_feedparser(body, headers)


def parse_with_feedparser(body: bytes, headers: Mapping[str, str]) -> FeedDocument:
    """The feed in `body` as feedparser reads it: every dialect, and every broken feed it can."""
    result = feedparser.parse(
        body,
        response_headers=headers,
        # The HTML policy sanitises later, with the project's own rules, and resolves links in
        # content against the entry's link; doing either twice only costs time.
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    problem = describe_error(result.get("bozo_exception")) if result.get("bozo") else None
    if not result.get("version") and not result.entries:
        reason = problem or "no RSS, Atom or RDF root element"
        msg = f"not a feed: {reason}"
        raise FeedFormatError(msg)
    feed = result.get("feed", {})
    return FeedDocument(
        title=feed.get("title") or None,
        ttl=feed.get("ttl"),
        items=[_item(entry) for entry in result.entries],
        warning=problem,
    )


def _item(entry: Any) -> FeedItem:
    guid = entry.get("id") or None
    return FeedItem(
        guid=guid,
        link=link_of(
            entry.get("link") or None, guid=guid, guid_is_link=bool(entry.get("guidislink"))
        ),
        title=entry.get("title") or None,
        content=_fullest_content(entry),
        published=timestamp(entry.get("published_parsed") or entry.get("updated_parsed")),
    )


def _fullest_content(entry: Any) -> str:
    # RSS puts the article in content:encoded and a teaser in description; Atom may carry
    # several content elements. The longest one is the article.
    candidates = [part.get("value") or "" for part in entry.get("content") or ()]
    candidates.append(entry.get("summary") or "")
    return max(candidates, key=len)
