"""OPML import and export: how feed readers hand subscription lists to each other."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from lxml import etree
from pydantic import ValidationError

from services.ingest.feedlist import FeedConfig, FeedListError, add_feed
from shared.batch import describe_validation_error

# XML 1.0 cannot carry these even escaped; a title holding one would make the file unreadable.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class OpmlError(ValueError):
    """A file that is not OPML at all."""


@dataclass(frozen=True, slots=True)
class OpmlImport:
    """The feeds an OPML file lists, and why any outline was not taken."""

    feeds: list[FeedConfig] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _parser() -> etree.XMLParser:
    # An OPML file is untrusted input: no entity expansion, no network, no DTD loading.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_opml(data: bytes) -> OpmlImport:
    """Every outline with an `xmlUrl`, at any depth (categories nest them)."""
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        msg = f"not OPML: {exc}"
        raise OpmlError(msg) from None
    if root is None or root.tag != "opml" or root.find("body") is None:
        msg = "not OPML: no <opml> root with a <body>"
        raise OpmlError(msg)
    result = OpmlImport()
    feeds: list[FeedConfig] = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl")
        if url is None:
            continue  # a category
        title = outline.get("title") or outline.get("text") or None
        try:
            feeds = add_feed(feeds, FeedConfig(url=url, title=title))
        except ValidationError as exc:
            result.skipped.append(f"outline {title!r}: {describe_validation_error(exc)}")
        except FeedListError as exc:
            result.skipped.append(f"outline {title!r}: {exc}")
    result.feeds.extend(feeds)
    return result


def render_opml(feeds: Sequence[FeedConfig], *, title: str = "newswire feeds") -> bytes:
    """The feed list as an OPML 2.0 document (UTF-8)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_safe(title)
    body = etree.SubElement(root, "body")
    for feed in feeds:
        name = _xml_safe(feed.title or feed.url)
        etree.SubElement(
            body, "outline", type="rss", text=name, title=name, xmlUrl=_xml_safe(feed.url)
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _xml_safe(value: str) -> str:
    return _XML_ILLEGAL.sub("", value)
