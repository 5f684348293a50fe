"""What `newswire enrich` reads: raw-article events, or the simple lines `newswire replay` reads.

A line with `schema_version` is a whole raw-article event (as on the raw stream). Any other
object is read as a line of a replayable `.jsonl` file (`text`, optionally `title`, `outlet`,
`url`, `guid`, `published_at`) and normalised as replay would, so it gets the same id and
defaults.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from services.ingest.files import line_entry
from services.ingest.normalise import normalise
from shared.batch import describe_validation_error, split_batch
from shared.schemas import RawArticle

_MISSING_TEXT = (
    "missing `text`: give `text` (optionally title, outlet, url, guid, published_at) as "
    "`newswire replay` reads, or a whole raw-article event (schema_version, id, "
    "ingested_at, source, text)"
)


def article_of_line(line: str, *, source: str, number: int, max_text_bytes: int) -> RawArticle:
    """The raw article line `number` of `source` describes; ValueError saying what is wrong."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        msg = f"payload is not a JSON object (not JSON: {exc.msg})"
        raise ValueError(msg) from exc
    if not isinstance(item, dict):
        msg = "payload is not a JSON object"
        raise ValueError(msg)
    if "schema_version" in item:
        accepted, rejected = split_batch([item], [str(number)], RawArticle)
        if rejected:
            raise ValueError(rejected[0].error)
        return accepted[0].event
    if "text" not in item:
        raise ValueError(_MISSING_TEXT)
    try:
        entry = line_entry(Path(source), number, line)
    except ValidationError as exc:
        raise ValueError(describe_validation_error(exc)) from exc
    return normalise(entry, max_text_bytes=max_text_bytes)
