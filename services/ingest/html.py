"""Feed-entry HTML made safe: sanitised markup for rendering and plain text for NLP.

Text layout: every block element (and every ``<br>``) ends a paragraph, paragraphs are separated
by one blank line, and whitespace inside a paragraph is collapsed to single spaces (in <pre>
too). A fragment with no block structure (plain text, perhaps with inline tags) keeps its
blank-line paragraphs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

from lxml import etree

from services.ingest.htmlpolicy import apply_policy
from services.ingest.simplehtml import simple_paragraphs
from services.ingest.textscan import may_hold_controls

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
# Marks elements to remove with their content but not their tail, in one strip_elements call.
_DROP_MARK = "newswire-drop"
# Shared, as in `fastfeed`: lxml locks a parser for each parse.
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


@dataclass(frozen=True, slots=True)
class CleanedHtml:
    """A feed-entry fragment as sanitised HTML and as plain text.

    `html` is safe to render as it is. `text` holds paragraphs separated by one blank line, with
    whitespace inside a paragraph collapsed to single spaces and no leading or trailing
    whitespace; it is decoded text, not markup ("&lt;b&gt;" became "<b>"), so escape it to embed.
    """

    html: str
    text: str

    @property
    def text_is_clean(self) -> bool:
        """True when `text` is already as `normalise.clean_text` leaves it, so need not pass it.

        Paragraphs are collapsed and stripped, and the filters remove every control character
        but one a numeric reference can bring back, CR; nothing here composes characters (NFC).
        """
        text = self.text
        return "\r" not in text and (text.isascii() or unicodedata.is_normalized("NFC", text))


def _is_pixel_size(value: str | None) -> bool:
    return value is not None and value.strip().lower().removesuffix("px").strip() in _PIXEL_SIZES


def _style(img: etree._Element) -> dict[str, str]:
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


def _is_tracking_image(img: etree._Element) -> bool:
    style = _style(img) if "style" in img.attrib else {}
    return (
        _is_pixel_size(img.get("width"))
        or _is_pixel_size(img.get("height"))
        or _is_pixel_size(style.get("width"))
        or _is_pixel_size(style.get("height"))
        or style.get("display", "").startswith("none")
        or _is_tracker_url(img.get("src", ""))
    )


def _parse(text: str) -> tuple[etree._Element, set[object]]:
    """The fragment's <body>, stripped of everything that goes with its content, and its tags."""
    # A fixed html/body wrapper means a parse never comes back empty, whatever the fragment.
    root = etree.fromstring(f"<html><body>{text}</body></html>", _PARSER)
    # The first body child, as find("body") gives it, without ElementPath's parsing of a path.
    body = next(root.iterchildren("body"), None)
    if body is None:  # libxml2 keeps the wrapper's body; a fragment can only add to it
        msg = "HTML parser lost the body element"
        raise ValueError(msg)
    # One walk tells which of the tag-matching passes below have anything to do: each builds a
    # matcher for its tag names and walks the whole tree, and most fragments need none of them.
    tags = _tags(body)
    dropped = not tags.isdisjoint(_DROPPED_WITH_CONTENT)
    if "img" in tags:
        for img in body.iter("img"):
            if _is_tracking_image(img):
                img.tag = _DROP_MARK
                dropped = True
    if dropped:
        etree.strip_elements(body, *_DROPPED_WITH_CONTENT, _DROP_MARK, with_tail=False)
        tags = _tags(body)
    return body, tags


def _tags(body: etree._Element) -> set[object]:
    """The tag of every element in `body`, itself included."""
    return {element.tag for element in body.iter()}


def _plain_flow(text: str) -> str:
    # In plain text a blank line ends a paragraph and a single newline is a hard wrap.
    return _PARAGRAPH_BREAK.join(part.replace("\n", " ") for part in _BLANK_LINE.split(text))


def _collapsed(paragraph: str) -> str:
    # Collapsing splits the paragraph into words and joins them again; ASCII text without a
    # run of spaces or a tab (most of it) is already collapsed once stripped.
    if paragraph.isascii() and "  " not in paragraph and "\t" not in paragraph:
        return paragraph.strip(" ")
    return " ".join(paragraph.split())


def _joined(paragraphs: list[str]) -> str:
    # map and filter run in C: no generator frame per paragraph.
    return _PARAGRAPH_BREAK.join(filter(None, map(_collapsed, paragraphs)))


def _paragraphs(text: str) -> str:
    return _joined(text.split(_PARAGRAPH_BREAK))


def _raw_paragraphs(body: etree._Element, tags: set[object]) -> list[str]:
    """The body's paragraphs in order, before whitespace collapses (some may be blank)."""
    if tags.isdisjoint(_BLOCKS):
        return _inline_flow(body).split(_PARAGRAPH_BREAK)
    # Every block element starts and ends a paragraph; newlines in HTML source are just spaces,
    # replaced once per paragraph rather than per text node.
    paragraphs: list[str] = []
    pieces: list[str] = []
    for event, element in etree.iterwalk(body, events=("start", "end")):
        tag = element.tag
        if tag in _BLOCKS:
            if pieces:
                paragraphs.append("".join(pieces).replace("\n", " "))
                pieces = []
        elif tag in _CELLS:  # table cells sit side by side in a row: a space keeps words apart
            pieces.append(" ")
        piece = element.text if event == "start" else element.tail
        if piece:
            pieces.append(piece)
    if pieces:
        paragraphs.append("".join(pieces).replace("\n", " "))
    return paragraphs


def _inline_flow(body: etree._Element) -> str:
    # No block structure: the text's own blank lines are its paragraph breaks, in each text node.
    pieces: list[str] = []
    for event, element in etree.iterwalk(body, events=("start", "end")):
        if element.tag in _CELLS:
            pieces.append(" ")
        piece = element.text if event == "start" else element.tail
        if piece:
            pieces.append(_plain_flow(piece))
    return "".join(pieces)


def _serialise(body: etree._Element) -> str:
    html = etree.tostring(body, method="html", encoding="unicode")
    # The body has no attributes left (apply_policy), so its tags are exactly these.
    return html[len("<body>") : -len("</body>")].strip()


def clean_html(fragment: str, *, base_url: str | None = None) -> CleanedHtml:
    """Sanitised HTML and plain text of a feed-entry fragment; never raises.

    Scripts, styles, embeds, forms and tracking pixels go entirely; relative links are resolved
    against `base_url` (dropped without one); only http, https and mailto URLs survive; links
    get ``rel="noopener noreferrer nofollow"`` (the rules: `htmlpolicy`).
    """
    text = fragment.replace("\r\n", "\n").replace("\r", "\n") if "\r" in fragment else fragment
    if may_hold_controls(text):
        text = _INVALID_CHARS.sub("", text)
    if "<" not in text and "&" not in text:
        # Plain text, the commonest feed description: nothing to parse.
        return CleanedHtml(
            html=escape(text, quote=False).strip(), text=_paragraphs(_plain_flow(text))
        )
    simple = simple_paragraphs(text)
    if simple is not None:
        # Markup the policy keeps as it is, as lxml would write it back: only the whitespace
        # around it goes (as in _serialise), and newlines are spaces (as in _raw_paragraphs).
        # Empty parts (no text between two paragraphs, the commonest) need no collapsing.
        flowed = [part.replace("\n", " ") for part in simple if part]
        return CleanedHtml(html=text.strip(), text=_joined(flowed))
    return _clean_tree(text, base_url)


def _clean_tree(text: str, base_url: str | None) -> CleanedHtml:
    """The general path: `text` (line breaks and controls already filtered) parsed and walked."""
    body, tags = _parse(text)
    paragraphs = _raw_paragraphs(body, tags)
    apply_policy(body, base_url)
    html = _serialise(body)
    # Only a numeric reference can bring back a character the input filter removed. "#" is
    # looked for first: one character is found at memory speed, two far slower.
    if "#" in text and "&#" in text:
        html = _INVALID_CHARS.sub("", html)
        paragraphs = [_INVALID_CHARS.sub("", paragraph) for paragraph in paragraphs]
    return CleanedHtml(html=html, text=_joined(paragraphs))
