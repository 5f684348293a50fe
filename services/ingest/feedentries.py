"""A parsed feed's items as source entries: HTML cleaned, links made absolute, GUIDs scoped."""

from __future__ import annotations

from urllib.parse import urljoin

from services.ingest.entry import SourceEntry, SourceError
from services.ingest.feeditems import FeedDocument, FeedItem, describe_error
from services.ingest.html import clean_html
from shared.ids import canonical_url
from shared.logging import get_logger
from shared.schemas import SourceRef

log = get_logger(__name__)

_ABSOLUTE = ("https://", "http://")


def source_entries(
    document: FeedDocument, *, feed_url: str, identity: str
) -> list[SourceEntry | SourceError]:
    """One source entry per item of `document`, fetched from `feed_url`, or that item's error.

    `identity` is the feed's (`feed_identity`): bare GUIDs are scoped to it, never to where the
    feed happens to be fetched from, so a move of the feed keeps its articles' ids.
    """
    source = SourceRef(kind="feed", name=feed_url)
    outlet = _plain(document.title)
    entries: list[SourceEntry | SourceError] = []
    for number, item in enumerate(document.items, start=1):
        try:
            entry = _entry(
                item, number, source=source, feed_url=feed_url, scope=identity, outlet=outlet
            )
        except Exception as exc:
            # Hostile markup can make the HTML libraries raise what they never document; that
            # is this item's problem, and its siblings still go out.
            log.exception("feed entry failed", feed=feed_url, entry=number)
            entries.append(SourceError(f"{feed_url} entry {number}", describe_error(exc)))
            continue
        entries.append(entry)
    return entries


def _entry(
    item: FeedItem,
    number: int,
    *,
    source: SourceRef,
    feed_url: str,
    scope: str,
    outlet: str | None,
) -> SourceEntry:
    link = _http_link(item.link, feed_url)
    cleaned = clean_html(item.content, base_url=link or feed_url)
    title = _plain(item.title)
    return SourceEntry(
        source=source,
        where=f"{feed_url} entry {number}",
        # A headline-only item (link blogs, wire flashes) is still news: its title is its text.
        text=cleaned.text or title or "",
        title=title,
        outlet=outlet,
        url=link,
        guid=item.guid,
        published_at=item.published,
        html=cleaned.html or None,
        guid_scope=scope,
        text_is_clean=bool(cleaned.text) and cleaned.text_is_clean,
    )


def _plain(value: str | None) -> str | None:
    # Titles may carry markup or escaped entities (RSS titles typed text/html); most carry
    # neither, and skipping the HTML parser for those is a measurable share of a poll.
    if not value:
        return None
    if "<" not in value and "&" not in value:
        return " ".join(value.split()) or None
    return clean_html(value).text or None


def _http_link(link: str | None, feed_url: str) -> str | None:
    # A javascript:, mailto: or unresolvable link is no article URL; the entry keeps its
    # GUID or content identity instead of being refused.
    if not link:
        return None
    link = link.strip()
    try:
        # An absolute link needs no joining: urljoin would only drop an empty "?" or "#",
        # which canonical_url drops too ("params" after ";" are the one thing it would move).
        absolute = (
            link if link.startswith(_ABSOLUTE) and ";" not in link else urljoin(feed_url, link)
        )
        canonical_url(absolute)  # raises for what is no absolute http(s) URL
    except ValueError:
        return None
    return absolute
