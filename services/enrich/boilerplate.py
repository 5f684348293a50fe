"""Boilerplate inside article text: photo captions, newsletter blurbs, comment prompts, credits,
table header rows.

Such lines name people and organisations that are not the news (a photographer, an agency, the
outlet's newsletter), so they are masked before NER. Masking replaces their characters with
spaces, so every offset into the text stays valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Kind = Literal[
    "caption", "newsletter", "promo", "comments", "credit", "front matter", "table header"
]

_PHOTO_CREDIT = re.compile(
    r"\((?:[^()]*/)?[^()]*\b(?:Getty Images|AFP|Reuters|AP Photo|AP|EPA|Shutterstock|Photo|"
    r"Images|Pool|Sputnik|TASS|Xinhua|Bloomberg)\b[^()]*\)\s*$"
)
_CAPTION_START = re.compile(r"^(?:photo|image|picture|file photo|caption)\s*[:|—-]", re.I)
_NEWSLETTER_START = re.compile(r"^(?:subscribe\b|sign up\b|get (?:the|our)\b.*\bnewsletter)", re.I)
_NEWSLETTER_CUES = re.compile(
    r"\b(?:in your inbox|sign up here|newsletter|subscribe (?:now|here|today))\b", re.I
)
_PROMO = re.compile(r"\b(?:click here|read more here|gives you the latest)\b", re.I)
_COMMENTS = re.compile(
    r"^(?:please let us know if you(?:'|’)re having issues with commenting|(?:leave|post|add) a "
    r"comment|join the (?:conversation|discussion)|comments? (?:are|is) (?:closed|moderated)|"
    r"show comments|view comments)\b",
    re.I,
)
# A results table's header row ("W L T GF GA PTS", "P W D L F A"): column abbreviations the
# model takes for organisations.
_TABLE_HEADER = re.compile(r"^(?:[A-Z]{1,3}\.?[ \t]+){2,}[A-Z]{1,3}\.?$")
_CREDIT = re.compile(r"^(?:with\s+)?(?:additional\s+)?(?:reporting|writing|editing)\s+by\b", re.I)
# "WASHINGTON --", "USA (Outlet)—", "PARIS, June 3 (Reuters) -": where the story proper begins.
_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z'.]+(?:[ ,]+[A-Z][A-Za-z'.]+)*)\s*(?:,[^()\n]{0,30})?\s*"
    r"(?P<source>\([^()\n]{1,60}\))?\s*(?:--|—|–|-\s)"
)
_HEADING_CHARS = 80


def dateline_of(line: str) -> re.Match[str] | None:
    """The dateline opening `line`, judged on the line alone: a place in capitals, a dash, and
    then the story in ordinary prose. A shouted headline ("CRICKET - LEICESTERSHIRE TAKE
    OVER") or a table row has the shape but no prose after it."""
    match = _DATELINE.match(line)
    if match and any(ch.islower() for ch in line[match.end() :]):
        return match
    return None


# A place and a date alone on a line, the place's country or state perhaps between: the
# dateline of agency copy ("TOKYO 1996-08-30", "LONGYEAR , Norway 1996-08-30").
_DATED_PLACE = re.compile(
    r"^(?P<place>[A-Z][A-Z'.-]+(?: [A-Z][A-Z'.-]+)*)"
    r"(?: ?, (?P<region>[A-Z][\w'.-]*(?: [A-Z][\w'.-]*)*))?"
    r"[ ,]+(?:\d{4}-\d\d-\d\d|(?:Jan|Feb|Mar|"
    r"Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?)\s*$"
)
# The dateline is one of the first lines of a body.
_OPENING_LINES = 4
# Lines before a dateline are captions and bylines, if they are this short.
_FRONT_MATTER_CHARS = 400


@dataclass(frozen=True, slots=True)
class MaskedSpan:
    """A stretch of boilerplate: where it was and what kind."""

    start: int
    end: int
    kind: Kind


def _lines(text: str) -> list[tuple[int, str]]:
    offsets = []
    position = 0
    for line in text.split("\n"):
        offsets.append((position, line))
        position += len(line) + 1
    return offsets


# Line patterns in the order they are tried; the first that matches names the kind.
_LINE_KINDS: tuple[tuple[Kind, re.Pattern[str], str], ...] = (
    ("caption", _PHOTO_CREDIT, "search"),
    ("caption", _CAPTION_START, "match"),
    ("newsletter", _NEWSLETTER_START, "match"),
    ("comments", _COMMENTS, "match"),
    ("credit", _CREDIT, "match"),
    ("table header", _TABLE_HEADER, "match"),
)
# Blurbs recognised by a phrase anywhere in them, if the line is blurb-sized.
_BLURB_KINDS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("newsletter", _NEWSLETTER_CUES),
    ("promo", _PROMO),
)
_BLURB_CHARS = 600


def _kind(line: str) -> Kind | None:
    stripped = line.strip()
    for kind, pattern, how in _LINE_KINDS:
        if (pattern.search if how == "search" else pattern.match)(stripped):
            return kind
    if len(stripped) < _BLURB_CHARS:
        for kind, pattern in _BLURB_KINDS:
            if pattern.search(stripped):
                return kind
    return None


def _opening_place(lines: list[tuple[int, str]]) -> tuple[int, re.Match[str]] | None:
    # The story opens at the first place line among the first lines (after a headline, a
    # byline, a caption), never further down, where "NOTE - …" or a table row only has its
    # shape: after "LONDON 1996-08-30" the story has begun, and "GERMANY - Bunds fell" is a
    # section of it.
    for index, (_, line) in enumerate(lines[:_OPENING_LINES]):
        if found := place_line(line):
            return index, found
    return None


def _opening_dateline(lines: list[tuple[int, str]]) -> int | None:
    # Only a dateline proper ("PARIS (AFP) - …") has front matter above it.
    opening = _opening_place(lines)
    if opening is None or not dateline_of(lines[opening[0]][1]):
        return None
    return opening[0]


def find_boilerplate(text: str) -> list[MaskedSpan]:
    """The boilerplate lines of an article body, in order."""
    lines = [(start, line) for start, line in _lines(text) if line.strip()]
    spans = [
        MaskedSpan(start, start + len(line), kind)
        for start, line in lines
        if (kind := _kind(line)) is not None
    ]
    spans.extend(_headings_of(lines, spans))
    dateline = _opening_dateline(lines)
    if dateline is not None:
        spans.extend(_dateline_source(*lines[dateline]))
        before = lines[:dateline]
        if sum(len(line) for _, line in before) <= _FRONT_MATTER_CHARS:
            masked = {span.start for span in spans}
            spans.extend(
                MaskedSpan(start, start + len(line), "front matter")
                for start, line in before
                if start not in masked
            )
    return sorted(spans, key=lambda span: span.start)


def place_line(line: str) -> re.Match[str] | None:
    """A line that opens with where the story was filed: a dateline ("PARIS (AFP) - …"), or
    a place and a date alone ("TOKYO 1996-08-30", "LONDON, Aug 30"); group `place`."""
    return dateline_of(line) or _DATED_PLACE.match(line)


def dateline_places(text: str) -> tuple[tuple[int, int], ...]:
    """Start and end of the place the story was filed from ("WASHINGTON --", "USA (Outlet)—",
    "TOKYO 1996-08-30"), then of its country or state if the dateline gives one ("LONGYEAR ,
    Norway 1996-08-30"); empty if no opening line is a dateline."""
    lines = [(start, line) for start, line in _lines(text) if line.strip()]
    opening = _opening_place(lines)
    if opening is None:
        return ()
    start, found = lines[opening[0]][0], opening[1]
    groups = ("place", "region") if "region" in found.re.groupindex else ("place",)
    return tuple(
        (start + found.start(group), start + found.end(group))
        for group in groups
        if found.group(group)
    )


def _dateline_source(start: int, line: str) -> list[MaskedSpan]:
    # "PARIS (AFP) -", "USA (Washington Insider Magazine)—": the agency or outlet credited,
    # not a party to the story.
    dateline = dateline_of(line)
    if dateline is None or not dateline.group("source"):
        return []
    return [MaskedSpan(start + dateline.start("source"), start + dateline.end("source"), "credit")]


def _headings_of(lines: list[tuple[int, str]], spans: list[MaskedSpan]) -> list[MaskedSpan]:
    # A blurb's own heading ("Live Briefing: …", "Subscribe To …") sits on the line before it:
    # short, and not a sentence.
    kinds = {span.start: span.kind for span in spans}
    headings = []
    for (start, line), (next_start, _) in pairwise(lines):
        kind = kinds.get(next_start)
        stripped = line.strip()
        if (
            kind in ("newsletter", "promo")
            and start not in kinds
            and len(stripped) <= _HEADING_CHARS
            and not stripped.endswith((".", "!", "?", '"', "”"))
        ):
            headings.append(MaskedSpan(start, start + len(line), kind))
    return headings


def mask(text: str, spans: list[MaskedSpan]) -> str:
    """`text` with each span's characters (newlines aside) replaced by spaces."""
    characters = list(text)
    for span in spans:
        for index in range(span.start, span.end):
            if characters[index] != "\n":
                characters[index] = " "
    return "".join(characters)
