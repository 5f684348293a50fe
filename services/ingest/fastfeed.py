"""A fast path for well-formed RSS 2.0, Atom 1.0 and RSS 1.0: lxml instead of feedparser.

It gives the `FeedDocument` feedparser would give, or None whenever it is unsure (a DTD or
entity, `xml:base`, an encoding feedparser would override, an element or attribute it does
not know to be harmless, a field written twice), and feedparser reads the feed instead.
feedparser's own small rewrites of the values (whitespace, URI fix-ups, its mojibake and
windows-1252 repairs, its date parser: `feeddates`) are applied the same way, so both paths
agree entry for entry; tests/unit/test_ingest_fastfeed.py checks that on every fixture and on
generated feeds.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping

from feedparser.encodings import convert_to_utf8
from feedparser.html import _cp1252
from lxml import etree

from services.ingest.feeddates import feed_time
from services.ingest.feeditems import FeedDocument, FeedItem, link_of

_ATOM = "{http://www.w3.org/2005/Atom}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
_PLAY = "{http://www.google.com/schemas/play-podcasts/1.0}"
_FEEDBURNER = "{http://rssnamespace.org/feedburner/ext/1.0}"
_MEDIA = "{http://search.yahoo.com/mrss/}"
_RSS_VERSIONS = frozenset({"2.0", "0.91", "0.92"})
_HTML_TYPES = frozenset({"text/html", "html", "application/xhtml+xml", "xhtml"})
_TEXT_TYPES = frozenset({None, "text", "html", "text/html", "text/plain"})
# The attributes a text element may carry and still be read as feedparser reads it.
_TEXT_ATTRIBUTES = frozenset({"type", "isPermaLink", "{http://www.w3.org/XML/1998/namespace}lang"})

_ITUNES_ITEM_FURNITURE = (
    *("duration", "episodeType", "explicit", "image", "author", "season", "episode"),
    *("keywords", "subtitle", "block", "title"),
)
# Children of an item that feedparser files away where none of the fields used here are;
# whatever else an item holds sends the feed to feedparser.
_HARMLESS_IN_ITEM = frozenset(
    {
        "author",
        "category",
        "comments",
        "enclosure",
        "source",
        f"{_DC}creator",
        f"{_DC}subject",
        "{http://wellformedweb.org/CommentAPI/}commentRss",
        "{http://purl.org/rss/1.0/modules/slash/}comments",
        f"{_MEDIA}content",
        f"{_MEDIA}thumbnail",
        f"{_MEDIA}keywords",
        f"{_DC}publisher",
        f"{_DC}identifier",
        f"{_FEEDBURNER}origLink",
        "{com-wordpress:feed-additions:1}post-id",
        # Podcast furniture; not itunes:summary, which feedparser reads as the summary.
        *(f"{_ITUNES}{name}" for name in _ITUNES_ITEM_FURNITURE),
        *(f"{_PLAY}{name}" for name in ("author", "description", "image", "explicit")),
    }
)
_ITUNES_CHANNEL_FURNITURE = (
    *("author", "summary", "owner", "explicit", "category", "image", "type", "subtitle"),
    *("new-feed-url", "keywords", "block"),
)
_PLAY_CHANNEL_FURNITURE = (
    *("author", "email", "owner", "image", "description", "category", "explicit"),
)
_HARMLESS_IN_CHANNEL = frozenset(
    {
        "link",
        "description",
        "language",
        "copyright",
        "managingEditor",
        "webMaster",
        "pubDate",
        "lastBuildDate",
        "category",
        "generator",
        "docs",
        "cloud",
        "rating",
        "image",
        f"{_ATOM}link",
        f"{_DC}creator",
        f"{_DC}language",
        f"{_DC}date",
        "{http://purl.org/rss/1.0/modules/syndication/}updatePeriod",
        "{http://purl.org/rss/1.0/modules/syndication/}updateFrequency",
        f"{_RSS1}link",
        f"{_RSS1}description",
        f"{_RSS1}items",
        f"{_RSS1}image",
        # Podcast, publisher and platform furniture: none is read as the feed's title or ttl.
        *(f"{_ITUNES}{name}" for name in _ITUNES_CHANNEL_FURNITURE),
        *(f"{_PLAY}{name}" for name in _PLAY_CHANNEL_FURNITURE),
        f"{_FEEDBURNER}feedFlare",
        f"{_FEEDBURNER}info",
        "{com-wordpress:feed-additions:1}site",
        *(f"{_MEDIA}{name}" for name in ("rating", "copyright", "thumbnail", "keywords")),
        f"{_MEDIA}category",
    }
)
_RDF_ABOUT = f"{_RDF}about"
_ABOUT = frozenset({_RDF_ABOUT})
_CONTENT_ENCODED = f"{_CONTENT}encoded"
# Per RSS dialect (its namespace prefix): an item's link tag, and its title, summary and dates.
_RSS_ITEM_NAMES = {
    prefix: (f"{prefix}link", (f"{prefix}title", f"{prefix}description", "pubDate", f"{_DC}date"))
    for prefix in ("", _RSS1)
}
_ATOM_TITLE, _ATOM_ENTRY, _ATOM_ID = f"{_ATOM}title", f"{_ATOM}entry", f"{_ATOM}id"
_ATOM_LINK, _ATOM_CONTENT = f"{_ATOM}link", f"{_ATOM}content"
_LINK_ATTRIBUTES = frozenset({"href", "rel", "type", "title", "hreflang", "length"})
_ATOM_KEYS = (_ATOM_TITLE, f"{_ATOM}summary", f"{_ATOM}published", f"{_ATOM}updated")
_HARMLESS_IN_ENTRY = frozenset({f"{_ATOM}category", f"{_ATOM}rights"})
_PEOPLE = frozenset({f"{_ATOM}author", f"{_ATOM}contributor"})
_PERSON_PARTS = frozenset({f"{_ATOM}name", f"{_ATOM}email", f"{_ATOM}uri"})
_HARMLESS_IN_FEED = frozenset(
    {
        f"{_ATOM}id",
        f"{_ATOM}updated",
        f"{_ATOM}link",
        f"{_ATOM}subtitle",
        f"{_ATOM}rights",
        f"{_ATOM}generator",
        f"{_ATOM}icon",
        f"{_ATOM}logo",
        f"{_ATOM}category",
    }
)
# Asked of the parsed tree, which knows its few hundred elements and attributes, rather than
# of the bytes, where three searches through the whole body cost more than all of this check.
_HAS_XML_BASE = etree.XPath("boolean(//@xml:base)")
# feedparser's fix-ups: surplus slashes after a scheme, and `&name;` left in link text.
_URI_FIXER = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*://)(/*)(.*?)")
_LINK_REFERENCE = re.compile(r"&([A-Za-z0-9_]+);")


# Shared: lxml locks a parser for each parse, and the poller digests one feed at a time.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


class Unsure(Exception):
    """Something the fast path does not know to read exactly as feedparser does."""


def parse_fast(body: bytes, headers: Mapping[str, str]) -> FeedDocument | None:
    """The feed in `body` as feedparser would read it, or None to let feedparser read it."""
    result: dict[str, object] = {}
    # The headers as feedparser sees them (it looks up lower-case names only).
    data = convert_to_utf8(dict(headers), _declaration_on_its_own_line(body), result)
    if result.get("bozo"):
        return None
    try:
        root = etree.fromstring(data, _PARSER)
        # A DTD may declare entities (feedparser reads those of the prolog, its only place);
        # xml:base changes how feedparser resolves links.
        if root.getroottree().docinfo.internalDTD is not None or _HAS_XML_BASE(root):
            return None
        return _document(root)
    except (etree.XMLSyntaxError, Unsure):
        return None


def _declaration_on_its_own_line(body: bytes) -> bytes:
    """`body` with a line break after its XML declaration where none follows it.

    feedparser finds the declared encoding with a regular expression that runs over the whole
    first line and back; a feed written on one line costs it a pass over the entire body. The
    break changes nothing XML reads, nor the encoding found: it is added only where the rest of
    that line does not say "encoding=" (the expression takes the last one on the line).
    """
    if not body.startswith(b"<?xml"):
        return body
    end = body.find(b"?>") + 2
    line_end = body.find(b"\n", end)
    # Searched and joined in place: a slice of the body (a one-line feed: all of it) would be
    # copied, and a copy of a large body costs more than the search.
    if end < 2 or line_end == end or body.find(b"encoding=", end, line_end) >= 0:
        return body
    return b"\n".join((body[:end], memoryview(body)[end:]))


def _text(element: etree._Element) -> str:
    """The element's text as feedparser's strict parser gives it (it always reads UTF-8)."""
    attributes = element.keys()
    # Most elements carry no attribute, and then need neither attribute check.
    if len(element) or (
        attributes
        and (not _TEXT_ATTRIBUTES.issuperset(attributes) or element.get("type") not in _TEXT_TYPES)
    ):
        raise Unsure
    value = (element.text or "").strip()
    if value.isascii():
        return value
    # feedparser undoes UTF-8 read as ISO-8859-1 (double-encoded text), then reads C1
    # controls as the windows-1252 characters they were meant to be.
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
        value = value.encode("iso-8859-1").decode("utf-8")
    return value.translate(_cp1252)


def _uri(element: etree._Element) -> str:
    return _fix_uri(_text(element))


def _fix_uri(value: str) -> str:
    # The fix-up only ever removes slashes after "://"; most values have none to remove.
    return _URI_FIXER.sub(r"\1\3", value) if ":///" in value else value


def _document(root: etree._Element) -> FeedDocument:
    if root.tag == "rss" and root.get("version") in _RSS_VERSIONS:
        channels = [child for child in root if isinstance(child.tag, str)]
        if len(channels) != 1 or channels[0].tag != "channel":
            raise Unsure
        return _channel(channels[0], list(channels[0]), prefix="")
    if root.tag == f"{_RDF}RDF":
        channels = root.findall(f"{_RSS1}channel")
        if len(channels) != 1:
            raise Unsure
        return _channel(channels[0], list(root), prefix=_RSS1)
    if root.tag == f"{_ATOM}feed":
        return _atom_feed(root)
    raise Unsure


def _channel(
    channel: etree._Element, items_parent: list[etree._Element], *, prefix: str
) -> FeedDocument:
    fields: dict[str, str] = {}
    for child in channel:
        tag = _tag(child)
        if tag in (f"{prefix}title", "ttl"):
            _once(fields, tag.removeprefix(prefix), _text(child))
        elif tag not in _HARMLESS_IN_CHANNEL and not (prefix == "" and tag == "item"):
            raise Unsure
    items: list[FeedItem] = []
    item_tag = f"{prefix}item"
    for element in items_parent:
        tag = _tag(element)
        if tag == item_tag:
            items.append(_rss_item(element, prefix=prefix))
        elif prefix and tag != f"{_RSS1}channel":
            raise Unsure
    return FeedDocument(
        title=fields.get("title") or None, ttl=fields.get("ttl"), items=items, warning=None
    )


def _rss_item(item: etree._Element, *, prefix: str) -> FeedItem:
    if not _ABOUT.issuperset(item.keys()):
        raise Unsure
    fields: dict[str, str] = {}
    contents: list[str] = []
    link: str | None = None
    guid: str | None = item.get(_RDF_ABOUT)
    guid_is_link = False
    link_tag, keys = _RSS_ITEM_NAMES[prefix]
    for child in item:
        tag = _tag(child)
        if tag == link_tag:
            _once(fields, "link", "")
            link = _uri(child).replace("&amp;", "&")
            if "&" in link:
                link = _LINK_REFERENCE.sub(r"&\1", link)
        elif tag == "guid" and not prefix:
            _once(fields, "guid", "")
            # feedparser matches the name in any case, but _text below lets only this one pass.
            is_link = child.get("isPermaLink", "") in ("", "true")
            guid = _uri(child) if is_link else _text(child)
            guid_is_link = is_link and link is None
            if guid_is_link:
                link = guid
        elif tag in keys:
            _once(fields, tag, _text(child))
        elif tag == _CONTENT_ENCODED:
            contents.append(_text(child))
        elif tag not in _HARMLESS_IN_ITEM or len(child):
            raise Unsure
    return _item(guid, link, guid_is_link=guid_is_link, contents=contents, fields=fields, keys=keys)


def _atom_feed(feed: etree._Element) -> FeedDocument:
    title: dict[str, str] = {}
    items: list[FeedItem] = []
    for child in feed:
        tag = _tag(child)
        if tag == _ATOM_TITLE:
            _once(title, "title", _text(child))
        elif tag == _ATOM_ENTRY:
            items.append(_atom_entry(child))
        elif tag in _PEOPLE:
            _person(child)
        elif tag not in _HARMLESS_IN_FEED:
            raise Unsure
    return FeedDocument(title=title.get("title") or None, ttl=None, items=items, warning=None)


def _atom_entry(entry: etree._Element) -> FeedItem:
    fields: dict[str, str] = {}
    contents: list[str] = []
    link: str | None = None
    guid: str | None = None
    guid_is_link = False
    for child in entry:
        tag = _tag(child)
        if tag == _ATOM_ID:
            _once(fields, "id", "")
            guid = _uri(child)
            guid_is_link = link is None
            if guid_is_link:
                link = guid
        elif tag == _ATOM_LINK:
            href = _alternate_href(child)
            if href is not None:
                link = href
        elif tag == _ATOM_CONTENT:
            contents.append(_text(child))
        elif tag in _ATOM_KEYS:
            _once(fields, tag, _text(child))
        elif tag in _PEOPLE:
            _person(child)
        elif tag not in _HARMLESS_IN_ENTRY or len(child):
            raise Unsure
    return _item(
        guid, link, guid_is_link=guid_is_link, contents=contents, fields=fields, keys=_ATOM_KEYS
    )


def _alternate_href(link: etree._Element) -> str | None:
    if not _LINK_ATTRIBUTES.issuperset(link.keys()):
        raise Unsure
    href = link.get("href")
    if href is None or len(link):
        raise Unsure
    rel = link.get("rel", "alternate")
    kind = link.get("type", "application/atom+xml" if rel == "self" else "text/html")
    if rel == "alternate" and kind.lower() in _HTML_TYPES:
        return _fix_uri(href)
    return None


def _person(element: etree._Element) -> None:
    if any(_tag(part) not in _PERSON_PARTS or len(part) for part in element):
        raise Unsure


def _item(
    guid: str | None,
    link: str | None,
    *,
    guid_is_link: bool,
    contents: list[str],
    fields: dict[str, str],
    keys: tuple[str, str, str, str],
) -> FeedItem:
    """The item from what its elements said; `keys` name its title, summary and two dates."""
    title, summary, published, updated = map(fields.get, keys)
    # feedparser copies the first content into an absent summary; the longest one wins.
    candidates = [*contents, summary if summary is not None else (contents or [""])[0]]
    guid = guid or None
    return FeedItem(
        guid=guid,
        link=link_of(link or None, guid=guid, guid_is_link=guid_is_link),
        title=title or None,
        content=max(candidates, key=len),
        published=feed_time(published, updated),
    )


def _tag(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # a comment or processing instruction
        raise Unsure
    return tag


def _once(fields: dict[str, str], key: str, value: str) -> None:
    # A field written twice is resolved by feedparser's depth rules; leave that to it.
    if key in fields:
        raise Unsure
    fields[key] = value
