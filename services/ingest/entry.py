"""What any source hands to normalisation: one article as the source saw it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shared.schemas import SourceRef


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """An article before normalisation; `where` locates it for error messages."""

    source: SourceRef
    where: str
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    guid: str | None = None
    published_at: datetime | None = None
    html: str | None = None
    """Sanitised HTML the text was taken from (feeds), kept for consumers that render it."""
    guid_scope: str | None = None
    """Where a bare GUID is unique (its feed's identity); see `shared.ids.article_id`."""
    text_is_clean: bool = False
    """`text` is already in the form normalising gives it (the HTML cleaner's text), so
    normalising does not scan it again."""


@dataclass(frozen=True, slots=True)
class SourceError:
    """Something a source could not read; the rest of the source goes on."""

    where: str
    error: str
