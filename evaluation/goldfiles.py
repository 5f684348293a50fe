"""Reading gold files: JSON lines whose articles are either a seed file or written inline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from services.ingest.entry import SourceEntry
from services.ingest.files import text_file_entry
from services.ingest.normalise import normalise
from shared.schemas import MAX_TEXT_CHARS, RawArticle, SourceRef


def gold_items(path: Path, seeds: Path) -> Iterator[tuple[dict[str, Any], RawArticle]]:
    """Each line's object and its article, normalised as ingest would.

    `seed` names a file in `seeds` (read through ingest's own path); otherwise `text` with
    optional `title`, `outlet`, `url` and `published_at` (ISO 8601).
    """
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if "seed" in item:
            seed = seeds / str(item["seed"])
            entry = text_file_entry(seed, seed.read_bytes())
            yield item, normalise(entry, max_text_bytes=MAX_TEXT_CHARS)
        else:
            published = item.get("published_at")
            yield (
                item,
                inline_article(
                    f"{path}:{number}",
                    item["text"],
                    title=item.get("title"),
                    outlet=item.get("outlet"),
                    url=item.get("url"),
                    published_at=datetime.fromisoformat(published) if published else None,
                ),
            )


def inline_article(
    where: str,
    text: str,
    *,
    title: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
    published_at: datetime | None = None,
) -> RawArticle:
    """An article given as its text (a gold line, a labelled item), normalised as ingest
    would normalise a file's article; `where` names where it was read."""
    entry = SourceEntry(
        source=SourceRef(kind="file", name=where),
        where=where,
        text=text,
        title=title,
        outlet=outlet,
        url=url,
        published_at=published_at,
    )
    return normalise(entry, max_text_bytes=MAX_TEXT_CHARS)
