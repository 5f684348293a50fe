"""The file source: article files replayed through the same path as any other source.

`.txt` files hold one plain-text article each; `.jsonl` files hold one JSON object per line
with `text` and optionally `title`, `outlet`, `url`, `guid`, `published_at`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from pathlib import Path

import anyio
from pydantic import BaseModel, ConfigDict, ValidationError

from services.ingest.entry import SourceEntry, SourceError
from services.ingest.normalise import clean_text
from services.ingest.plaintext import parse_plain_text
from shared.batch import describe_validation_error
from shared.schemas import SourceRef

ARTICLE_SUFFIXES = (".txt", ".jsonl")


class ArticleLine(BaseModel):
    """One line of a `.jsonl` article file."""

    model_config = ConfigDict(extra="ignore")

    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    guid: str | None = None
    published_at: datetime | None = None


def article_files(paths: Iterable[Path]) -> list[Path]:
    """The article files named by `paths`, folders expanded (sorted, so replays are ordered)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in ARTICLE_SUFFIXES))
        else:
            found.append(path)
    return found


def count_entries(paths: Iterable[Path]) -> int:
    """How many articles `paths` hold, as `read_files` will see them (for progress bars)."""
    total = 0
    for path in article_files(paths):
        if path.suffix == ".txt":
            total += 1
        elif path.suffix in ARTICLE_SUFFIXES:
            with path.open("rb") as lines:
                total += sum(1 for line in lines if line.strip())
    return total


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"not UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r})"
        raise ValueError(msg) from exc


def text_file_entry(path: Path, data: bytes) -> SourceEntry:
    """The entry of a plain-text article file; ValueError if it is not UTF-8."""
    parsed = parse_plain_text(clean_text(_decode(data)))
    return SourceEntry(
        source=SourceRef(kind="file", name=str(path)),
        where=str(path),
        text=parsed.body,
        title=parsed.title,
        outlet=parsed.outlet,
    )


def line_entry(path: Path, number: int, line: str) -> SourceEntry:
    """The entry of line `number` of a `.jsonl` file; pydantic's ValidationError if it is bad."""
    item = ArticleLine.model_validate_json(line)
    return SourceEntry(
        source=SourceRef(kind="file", name=str(path)),
        where=f"{path}:{number}",
        text=item.text,
        title=item.title,
        outlet=item.outlet,
        url=item.url,
        guid=item.guid,
        published_at=item.published_at,
    )


async def read_files(paths: Iterable[Path]) -> AsyncIterator[SourceEntry | SourceError]:
    """Entries of every article file, and an error for each file or line that cannot be read."""
    # Listing folders touches the disk: keep it off the event loop like the reads.
    for path in await anyio.to_thread.run_sync(article_files, list(paths)):
        if path.suffix not in ARTICLE_SUFFIXES:
            yield SourceError(
                str(path), f"unsupported file type (use {', '.join(ARTICLE_SUFFIXES)})"
            )
            continue
        try:
            data = await anyio.Path(path).read_bytes()
        except OSError as exc:
            yield SourceError(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        if path.suffix == ".txt":
            try:
                yield text_file_entry(path, data)
            except ValueError as exc:
                yield SourceError(str(path), str(exc))
            continue
        for number, raw_line in enumerate(data.split(b"\n"), start=1):
            if not raw_line.strip():
                continue
            try:
                yield line_entry(path, number, _decode(raw_line))
            except ValidationError as exc:
                yield SourceError(f"{path}:{number}", describe_validation_error(exc))
            except (ValueError, json.JSONDecodeError) as exc:
                yield SourceError(f"{path}:{number}", str(exc))
