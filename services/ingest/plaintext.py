"""Reading an article saved as plain text: headline and outlet only where the text gives them."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A wire dateline naming the outlet: "USA (Washington Insider Magazine)— …", "PARIS (AFP) - …".
_DATELINE_OUTLET = re.compile(r"^[A-Z][A-Z .,'’-]{1,40}?\s*\(([^()\n]{2,60})\)\s*(?:—|–|--|-)")
# A newsletter promo names its publisher: "Subscribe to RFE/RL's 'The Rundown'".
_PROMO_OUTLET = re.compile(
    r"^(?i:subscribe to)\s+([A-Z][\w/&.-]*(?:\s[A-Z][\w/&.-]*){0,4})['’]s\b", re.MULTILINE
)
_MAX_HEADLINE_CHARS = 300
_MAX_HEADLINE_WORDS = 30
_SENTENCE_END = (".", "!", "?", '"', "”", "…")


@dataclass(frozen=True, slots=True)
class PlainTextArticle:
    """The parts of a plain-text article."""

    title: str | None
    outlet: str | None
    body: str


def _is_headline(first: str, rest_starts_blank: bool) -> bool:
    # A headline stands alone above a blank line, is short, and is not a finished sentence.
    return (
        rest_starts_blank
        and len(first) <= _MAX_HEADLINE_CHARS
        and len(first.split()) <= _MAX_HEADLINE_WORDS
        and not first.endswith(_SENTENCE_END)
    )


def find_outlet(body: str) -> str | None:
    """The outlet the text names for itself (dateline or newsletter promo), else None."""
    if match := _DATELINE_OUTLET.match(body):
        return match.group(1).strip()
    if match := _PROMO_OUTLET.search(body):
        return match.group(1).strip()
    return None


def parse_plain_text(text: str) -> PlainTextArticle:
    """Split normalised text into headline (if it has one) and body; find a named outlet."""
    lines = text.split("\n")
    first = lines[0].strip()
    rest_starts_blank = len(lines) > 2 and not lines[1].strip()
    if first and _is_headline(first, rest_starts_blank):
        body = "\n".join(lines[1:]).strip()
        title: str | None = first
    else:
        body = text.strip()
        title = None
    return PlainTextArticle(title=title, outlet=find_outlet(body), body=body)
