"""Feed-entry HTML made safe: sanitised markup for rendering and plain text for NLP.

Text layout: every block element (and every ``<br>``) ends a paragraph, paragraphs are separated
by one blank line, and whitespace inside a paragraph is collapsed to single spaces (in <pre>
too). A fragment with no block structure (plain text, perhaps with inline tags) keeps its
blank-line paragraphs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

import lxml.html
import nh3
from lxml import etree

# Characters XML cannot hold (lxml refuses or mangles them) and C0/C1 controls, which carry no
# text; numeric references like "&#1;" can reintroduce them, so outputs are filtered as well.
_INVALID_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A line holding nothing but whitespace: the paragraph break of plain text.
_BLANK_LINE = re.compile(r"\n\s*\n")
_PARAGRAPH_BREAK = "\n\n"

# Never article text, so gone with everything inside them. The sanitiser drops svg/math
# content too; removing them here keeps the text in step with the HTML. Not <embed>: it is void,
# but libxml2 parses it as a container of whatever follows, and the sanitiser drops the tag alone.
_DROPPED_WITH_CONTENT = (
    *("script", "style", "noscript", "template"),  # code and styling
    *("iframe", "object", "audio", "video", "svg", "math"),  # embeds and foreign markup
    *("form", "button", "select", "textarea"),  # forms and stray form controls
    *("head", "title", "meta", "link"),  # document-head furniture
    # The caller's base URL governs, and lxml's make_links_absolute applies a <base> even when
    # told not to (it always resolves it in rewrite_links).
    "base",
)
# <br> counts as a block: in feed HTML it mostly stands in for a paragraph, and one break kind
# keeps the text contract simple (no single newlines).
_BLOCKS = frozenset(
    {
        *("p", "div", "br", "hr", "pre", "blockquote", "address", "section", "article", "main"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "nav", "aside"),
        *("ul", "ol", "li", "dl", "dt", "dd", "table", "caption", "tr"),
        *("figure", "figcaption", "details", "summary"),
    }
)
# Table cells sit side by side in a row: a space keeps their words apart.
_CELLS = frozenset({"td", "th"})

# Hosts that serve nothing but beacons, so any image from them is a tracking pixel.
_TRACKER_HOSTS = frozenset(
    {
        "pixel.wp.com",  # WordPress.com / Jetpack stats
        "stats.wordpress.com",  # older WordPress.com stats
        "www.google-analytics.com",
        "pixel.quantserve.com",  # Quantcast
        "b.scorecardresearch.com",  # comScore
    }
)
# Feed hosts that also serve real images: only these paths are beacons or share buttons.
_TRACKER_PATHS = frozenset(
    {
        ("feeds.feedburner.com", "/~r/"),  # FeedBurner per-item read beacon
        ("feeds.feedburner.com", "/~ff/"),  # FeedBurner "FeedFlare" share buttons
        ("feeds.feedblitz.com", "/_/"),  # FeedBlitz per-item read beacon
    }
)
_PIXEL_SIZES = frozenset({"0", "1"})

_SANITISER = nh3.Cleaner(
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer nofollow",
    # Links are made absolute first when the base is known; a relative link left over would
    # resolve against the consumer's site instead of the source's.
    url_relative="deny",
)


@dataclass(frozen=True, slots=True)
class CleanedHtml:
    """A feed-entry fragment as sanitised HTML and as plain text.

    `html` is safe to render as it is. `text` holds paragraphs separated by one blank line, with
    whitespace inside a paragraph collapsed to single spaces and no leading or trailing
    whitespace; it is decoded text, not markup ("&lt;b&gt;" became "<b>"), so escape it to embed.
    """

    html: str
    text: str


def _is_pixel_size(value: str | None) -> bool:
    return value is not None and value.strip().lower().removesuffix("px").strip() in _PIXEL_SIZES


def _style(img: lxml.html.HtmlElement) -> dict[str, str]:
    declarations = (part.partition(":") for part in img.get("style", "").split(";"))
    return {name.strip().lower(): value.strip().lower() for name, _, value in declarations}


def _is_tracker_url(src: str) -> bool:
    try:
        parts = urlsplit(src.strip())
        host = (parts.hostname or "").lower()
    except ValueError:  # malformed (e.g. a broken IPv6 host): not a known tracker
        return False
    return host in _TRACKER_HOSTS or any(
        host == tracker_host and parts.path.startswith(prefix)
        for tracker_host, prefix in _TRACKER_PATHS
    )


def _is_tracking_image(img: lxml.html.HtmlElement) -> bool:
    style = _style(img)
    return (
        _is_pixel_size(img.get("width"))
        or _is_pixel_size(img.get("height"))
        or _is_pixel_size(style.get("width"))
        or _is_pixel_size(style.get("height"))
        or style.get("display", "").startswith("none")
        or _is_tracker_url(img.get("src", ""))
    )


def _parse(fragment: str, base_url: str | None) -> lxml.html.HtmlElement:
    """The fragment as a tree stripped of everything that is neither content nor safe."""
    text = _INVALID_CHARS.sub("", fragment.replace("\r\n", "\n").replace("\r", "\n"))
    # A fixed html/body wrapper means a parse never comes back empty, whatever the fragment.
    root = lxml.html.document_fromstring(f"<html><body>{text}</body></html>")
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, with_tail=False)
    etree.strip_elements(root, *_DROPPED_WITH_CONTENT, with_tail=False)
    if base_url:
        root.make_links_absolute(base_url, handle_failures="discard")
    for img in [img for img in root.iter("img") if _is_tracking_image(img)]:
        img.drop_tree()
    return root


def _inner_html(root: lxml.html.HtmlElement) -> str:
    children = (lxml.html.tostring(child, encoding="unicode") for child in root)
    return escape(root.text or "", quote=False) + "".join(children)


def _html_flow(text: str) -> str:
    # Newlines in HTML source are just spaces.
    return text.replace("\n", " ")


def _plain_flow(text: str) -> str:
    # In plain text a blank line ends a paragraph and a single newline is a hard wrap.
    return _PARAGRAPH_BREAK.join(part.replace("\n", " ") for part in _BLANK_LINE.split(text))


def _separator(tag: object) -> str:
    # What an element contributes to the text before and after its content.
    if tag in _BLOCKS:
        return _PARAGRAPH_BREAK
    return " " if tag in _CELLS else ""


def _text_pieces(root: lxml.html.HtmlElement) -> Iterator[str]:
    has_blocks = any(element.tag in _BLOCKS for element in root.iterdescendants())
    flow = _html_flow if has_blocks else _plain_flow
    for event, element in etree.iterwalk(root, events=("start", "end")):
        yield _separator(element.tag)
        yield flow((element.text if event == "start" else element.tail) or "")


def _plain_text(root: lxml.html.HtmlElement) -> str:
    text = _INVALID_CHARS.sub("", "".join(_text_pieces(root)))
    paragraphs = (" ".join(part.split()) for part in text.split(_PARAGRAPH_BREAK))
    return _PARAGRAPH_BREAK.join(paragraph for paragraph in paragraphs if paragraph)


def clean_html(fragment: str, *, base_url: str | None = None) -> CleanedHtml:
    """Sanitised HTML and plain text of a feed-entry fragment; never raises.

    Scripts, styles, embeds, forms and tracking pixels go entirely; relative links are resolved
    against `base_url` (dropped without one); only http, https and mailto URLs survive; links
    get ``rel="noopener noreferrer nofollow"``.
    """
    root = _parse(fragment, base_url)
    html = _INVALID_CHARS.sub("", _SANITISER.clean(_inner_html(root))).strip()
    return CleanedHtml(html=html, text=_plain_text(root))
