"""What markup survives into an article's `html`: an allowlist applied to a parsed tree.

The allowlist is Ammonia's default (the sanitiser behind nh3), with one stricter rule: `cite`
URLs are checked like `href` and `src`. Applied to the lxml tree the cleaner already holds, it
spares every entry a second parse and serialisation by nh3, which was the largest single cost
of ingesting a feed (BENCHMARKS.md). The tests keep nh3 as the oracle: every output must
already be clean by its rules.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from lxml import etree

from shared.ids import canonical_url

ALLOWED_TAGS = frozenset(
    {
        *("a", "abbr", "acronym", "area", "article", "aside", "b", "bdi", "bdo", "blockquote"),
        *("br", "caption", "center", "cite", "code", "col", "colgroup", "data", "dd", "del"),
        *("details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "footer"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "i", "img", "ins"),
        *("kbd", "li", "map", "mark", "nav", "ol", "p", "pre", "q", "rp", "rt", "rtc", "ruby"),
        *("s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup", "table"),
        *("tbody", "td", "th", "thead", "time", "tr", "tt", "u", "ul", "var", "wbr"),
    }
)
_GENERIC_ATTRIBUTES = frozenset({"lang", "title"})
_TABLE_ALIGN = ("align", "char", "charoff")
_TAG_ATTRIBUTES = {
    "a": {"href", "hreflang"},
    "bdo": {"dir"},
    "blockquote": {"cite"},
    "col": {*_TABLE_ALIGN, "span"},
    "colgroup": {*_TABLE_ALIGN, "span"},
    "del": {"cite", "datetime"},
    "hr": {"align", "size", "width"},
    "img": {"align", "alt", "height", "src", "width"},
    "ins": {"cite", "datetime"},
    "ol": {"start"},
    "q": {"cite"},
    "table": {*_TABLE_ALIGN, "summary"},
    "tbody": set(_TABLE_ALIGN),
    "td": {*_TABLE_ALIGN, "colspan", "headers", "rowspan"},
    "th": {*_TABLE_ALIGN, "colspan", "headers", "rowspan", "scope"},
    "thead": set(_TABLE_ALIGN),
    "tr": set(_TABLE_ALIGN),
}
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    tag: frozenset(_TAG_ATTRIBUTES.get(tag, ())) | _GENERIC_ATTRIBUTES for tag in ALLOWED_TAGS
}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


def safe_url(value: str, base_url: str | None) -> str | None:
    """`value` as an http(s) or mailto URL a browser reads the same way, or None.

    A relative URL is resolved against `base_url` (None without one): left relative it would
    resolve against the consumer's site instead of the source's. A malformed one (a broken
    IPv6 host, a port that is no number) goes as well.
    """
    try:
        # urlsplit drops what browsers drop too (tabs and newlines anywhere, leading controls),
        # so "java\tscript:" is judged as the "javascript:" a browser would run.
        scheme = urlsplit(value).scheme
        if scheme == "mailto":
            return value
        if scheme:
            url = value
        elif base_url:
            url = urljoin(base_url, value.strip())
        else:
            return None
        canonical_url(url)  # raises for anything but a well-formed absolute http(s) URL
    except ValueError:  # that, or a malformed base
        return None
    return url


def _clean_attributes(element: etree._Element, tag: str, base_url: str | None) -> None:
    allowed = ALLOWED_ATTRIBUTES[tag]
    attributes = element.attrib
    for name, value in list(attributes.items()):
        if name not in allowed:
            del attributes[name]
        elif name in _URL_ATTRIBUTES:
            url = safe_url(value, base_url)
            if url is None:
                del attributes[name]
            elif url != value:
                attributes[name] = url


def apply_policy(body: etree._Element, base_url: str | None) -> None:
    """Make `body`'s content safe in place: allowed tags, attributes and URLs only.

    A tag outside the allowlist goes but its content stays (the caller has removed the elements
    whose content must go too: scripts, styles, embeds, comments). Links get `rel` LINK_REL.
    """
    body.attrib.clear()
    unknown: set[str] = set()
    for element in body.iterdescendants():
        tag = element.tag
        if not isinstance(tag, str) or tag not in ALLOWED_TAGS:
            unknown.add(str(tag))
            continue
        if element.attrib:
            _clean_attributes(element, tag, base_url)
        if tag == "a":
            element.set("rel", LINK_REL)
    if unknown:
        etree.strip_tags(body, *unknown)
