"""Normalising a source entry into a raw-article event."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from pydantic import ValidationError

from services.ingest.entry import SourceEntry
from services.ingest.textscan import may_hold_controls
from shared.batch import describe_validation_error
from shared.ids import article_id, canonical_url
from shared.logging import get_logger
from shared.schemas import MAX_HTML_CHARS, RawArticle

log = get_logger(__name__)

# C0/C1 controls other than tab and newline carry no text and break some consumers.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_RUN = re.compile(r"\n{3,}")


class RejectedEntry(ValueError):
    """An entry that cannot become an article (empty, oversized, bad URL)."""


def clean_text(text: str) -> str:
    """NFC, one newline style, no control characters or trailing spaces, single blank lines."""
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # The guards skip regex scans that cost more than the rest of normalising (see textscan).
    if may_hold_controls(text):
        text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


def _clean_optional(value: str | None) -> str | None:
    if value is None:
        return None
    # Printable ASCII (most titles and GUIDs) has nothing for clean_text to do: no newline,
    # control or composed character, and the split below takes the spaces.
    cleaned = " ".join(
        (value if value.isascii() and value.isprintable() else clean_text(value)).split()
    )
    return cleaned or None


def _bounded_html(entry: SourceEntry) -> str | None:
    # Over the cap the article still goes out with its text; only the rendering copy is dropped.
    if entry.html is None or len(entry.html) <= MAX_HTML_CHARS:
        return entry.html or None
    log.warning("article html dropped", where=entry.where, chars=len(entry.html))
    return None


def normalise(
    entry: SourceEntry, *, max_text_bytes: int, now: datetime | None = None
) -> RawArticle:
    """The raw-article event for `entry`; raises RejectedEntry with the reason if it has none."""
    text = entry.text if entry.text_is_clean else clean_text(entry.text)
    if not text:
        msg = "article has no text"
        raise RejectedEntry(msg)
    size = len(text.encode())
    if size > max_text_bytes:
        msg = f"article text is {size} bytes, over the {max_text_bytes}-byte limit"
        raise RejectedEntry(msg)
    try:
        url = canonical_url(entry.url) if entry.url else None
    except ValueError as exc:
        raise RejectedEntry(str(exc)) from exc
    title = _clean_optional(entry.title)
    guid = _clean_optional(entry.guid)
    try:
        return RawArticle(
            id=article_id(url=url, guid=guid, title=title, text=text, guid_scope=entry.guid_scope),
            url=url,
            guid=guid,
            title=title,
            outlet=_clean_optional(entry.outlet),
            text=text,
            html=_bounded_html(entry),
            published_at=entry.published_at,
            ingested_at=now or datetime.now(UTC),
            source=entry.source,
        )
    except ValidationError as exc:
        # What the schema refuses (a 3,000-character headline, NUL in a URL) is this entry's
        # problem alone.
        raise RejectedEntry(describe_validation_error(exc)) from exc
