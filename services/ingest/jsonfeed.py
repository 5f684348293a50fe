"""JSON Feed (1.0 and 1.1, jsonfeed.org) to a `FeedDocument`; feedparser does not read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from services.ingest.feeditems import FeedDocument, FeedFormatError, FeedItem

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def is_json_feed(body: bytes, content_type: str) -> bool:
    """True when the body should be read as JSON Feed rather than XML."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in ("application/feed+json", "application/json") or body.lstrip()[:1] == b"{"


def parse_json_feed(body: bytes) -> FeedDocument:
    """The feed in `body`; raises FeedFormatError for JSON that is not a JSON Feed."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        msg = f"not a feed: invalid JSON ({exc})"
        raise FeedFormatError(msg) from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        _VERSION_PREFIX
    ):
        msg = f"not a feed: JSON without a {_VERSION_PREFIX}… version"
        raise FeedFormatError(msg)
    items = document.get("items")
    if not isinstance(items, list):
        msg = "not a feed: JSON Feed without an items list"
        raise FeedFormatError(msg)
    skipped = sum(1 for item in items if not isinstance(item, dict))
    return FeedDocument(
        title=_text(document.get("title")),
        ttl=None,
        items=[_item(item) for item in items if isinstance(item, dict)],
        warning=f"{skipped} items are not JSON objects" if skipped else None,
    )


def _item(item: dict[str, Any]) -> FeedItem:
    content = _text(item.get("content_html")) or _text(item.get("content_text"))
    return FeedItem(
        guid=_text(item.get("id"))
        or (str(item["id"]) if isinstance(item.get("id"), int) else None),
        link=_text(item.get("url")),
        title=_text(item.get("title")),
        content=content or _text(item.get("summary")) or "",
        published=_date(item.get("date_published") or item.get("date_modified")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
