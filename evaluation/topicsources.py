"""Public labelled news for training and measuring the topic classifier.

`evaluation/topic-data/sources.json` pins every source: the public repository and commit it
comes from, the files used and a SHA-256 over them, its licence, its role, and a mapping
table from the source's own categories to IPTC Media Topics (`mappings/<name>.tsv`, reviewed
by hand; a category mapped to `-` is left out, with the reason written beside it). The data
itself is not committed: check out each repository at its commit into `DATA/<name>/`
(see `evaluation/topic-data/README.md`); `load_source` refuses files whose digest differs.

Roles: a `train` source is split by a hash of each item's id into train (80 %), dev (10 %,
for tuning and calibration) and test (10 %, reported, never tuned on); a `cross-source` source
is never trained on: it measures the model on news from somewhere else.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from services.enrich.iptc import load_concepts, top_level_names

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TOPIC_DATA = Path(__file__).resolve().parent / "topic-data"
Split = Literal["train", "dev", "test"]
# `dev`: an annotated set scored beside the raw model (the NER sets of `ner-data/`).
Role = Literal["train", "cross-source", "dev"]


@dataclass(frozen=True, slots=True)
class LabelledArticle:
    """One labelled item of a source, its label mapped to an IPTC top-level code."""

    source: str
    id: str
    title: str | None
    text: str
    label: str
    """The source's own category."""
    code: str
    """IPTC top-level QCode, e.g. medtop:15000000."""

    @property
    def split(self) -> Split:
        """train, dev or test, fixed by the id alone (80/10/10)."""
        bucket = int(hashlib.sha256(self.id.encode("utf-8")).hexdigest()[:8], 16) % 10
        return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


@dataclass(frozen=True, slots=True)
class Source:
    """A pinned public source as `sources.json` describes it."""

    name: str
    title: str
    repository: str
    commit: str
    files: tuple[str, ...]
    """File names, or glob patterns, relative to the repository root."""
    sha256: str
    licence: str
    format: str
    role: Role


class SourceError(Exception):
    """A source's files are missing or are not the pinned ones."""


def load_manifest(path: Path = TOPIC_DATA / "sources.json") -> list[Source]:
    """Every source in the manifest, in its order."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [
        Source(
            name=item["name"],
            title=item["title"],
            repository=item["repository"],
            commit=item["commit"],
            files=tuple(item["files"]),
            sha256=item["sha256"],
            licence=item["licence"],
            format=item["format"],
            role=item["role"],
        )
        for item in document["sources"]
    ]


def load_mapping(name: str, directory: Path = TOPIC_DATA / "mappings") -> dict[str, str | None]:
    """A source's category → IPTC code table; None for categories left out."""
    codes = top_level_names().keys()
    mapping: dict[str, str | None] = {}
    path = directory / f"{name}.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            code = row["iptc"].strip()
            if code != "-" and code not in codes:
                msg = f"{path}: {code!r} is not an IPTC top-level code"
                raise SourceError(msg)
            mapping[row["category"]] = None if code == "-" else code
    return mapping


def source_files(source: Source, root: Path) -> list[Path]:
    """The source's files under `root` (its checkout), sorted by path."""
    found: set[Path] = set()
    for pattern in source.files:
        matches = [p for p in root.glob(pattern) if p.is_file()]
        if not matches:
            msg = f"{source.name}: no file matches {pattern!r} under {root}"
            raise SourceError(msg)
        found.update(matches)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def digest(files: Iterable[Path], root: Path) -> str:
    """SHA-256 over each file's relative path and SHA-256, one line each, in path order."""
    outer = hashlib.sha256()
    for path in files:
        inner = hashlib.sha256(path.read_bytes()).hexdigest()
        outer.update(f"{path.relative_to(root).as_posix()}\0{inner}\n".encode())
    return outer.hexdigest()


def pinned_files(source: Source, data: Path) -> list[Path]:
    """The source's files under `data/<name>/`; SourceError unless they are the pinned ones."""
    root = data / source.name
    files = source_files(source, root)
    found = digest(files, root)
    if found != source.sha256:
        msg = (
            f"{source.name}: the files under {root} are not the pinned ones (digest {found}, "
            f"expected {source.sha256}); check out {source.repository} at {source.commit}"
        )
        raise SourceError(msg)
    return files


def pinned_files_in(source: Source, data: Path, expected_format: str) -> list[Path]:
    """`pinned_files`, for a reader of one format: SourceError if the source is in another."""
    if source.format != expected_format:
        msg = f"{source.name}: unknown format {source.format!r}"
        raise SourceError(msg)
    return pinned_files(source, data)


def load_source(source: Source, data: Path) -> list[LabelledArticle]:
    """Every mapped item of a source, read from `data/<name>/` after checking its digest."""
    files = pinned_files(source, data)
    mapping = load_mapping(source.name)
    reader = _READERS[source.format]
    items = []
    seen: set[str] = set()
    for article_id, title, text, label in reader(files, mapping):
        if label not in mapping:
            msg = f"{source.name}: category {label!r} is not in mappings/{source.name}.tsv"
            raise SourceError(msg)
        code = mapping[label]
        # The same text twice (a mirror's repeated day) is one item.
        if code is None or article_id in seen:
            continue
        seen.add(article_id)
        items.append(LabelledArticle(source.name, article_id, title, text, label, code))
    return items


RawItem = tuple[str, str | None, str, str]
"""id, title, text, the source's category."""


def _text_id(source: str, text: str) -> str:
    return f"{source}:{hashlib.sha256(' '.join(text.split()).encode()).hexdigest()[:16]}"


# Wikipedia's Current events portal as Markdown: "#### Category" headings, nested bullets
# whose leaves are the news items; inner bullets are the story they belong to.
# Markdown of the portal pages, shared with the story and key-stability readers.
HEADING = re.compile(r"^#{2,6}\s+(.+?)\s*$")
"""A Markdown heading: its text."""
BULLET = re.compile(r"^(\s*)[*-]\s+(.*\S)\s*$")
"""A Markdown bullet: its indent and its text."""
CITATION = re.compile(r"\s*\[\((?:[^\]]*)\)\]\([^)\s]*\)")
"""A portal item's cited outlet, "[(AP)](url)", with the space before it."""
CITATION_TEXT = re.compile(r"\[\(([^\]]*)\)\]\(([^)\s]*)\)")
"""A portal item's cited outlet, "[(AP)](url)": the outlet's name and the URL."""
LINK_TEXT = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
"""A Markdown link: its text."""
EMPHASIS = re.compile(r"(?<!\w)[*_]+|[*_]+(?!\w)")
"""Markdown emphasis marks."""
_MIN_ITEM_WORDS = 6


def plain_markdown(markdown: str) -> str:
    """Markdown as plain text: links as their text, citations and emphasis dropped."""
    text = LINK_TEXT.sub(r"\1", CITATION.sub("", markdown))
    return " ".join(EMPHASIS.sub("", text).split())


def _wcep_markdown(files: list[Path], mapping: Mapping[str, str | None]) -> Iterator[RawItem]:
    del mapping
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        category: str | None = None
        bullets = [(n, BULLET.match(line)) for n, line in enumerate(lines)]
        for n, line in enumerate(lines):
            if heading := HEADING.match(line):
                category = heading.group(1).strip()
                continue
            match = bullets[n][1]
            if match is None or category is None:
                continue
            following = bullets[n + 1][1] if n + 1 < len(lines) else None
            # A bullet with deeper bullets under it names a story, not an event.
            if following is not None and len(following.group(1)) > len(match.group(1)):
                continue
            text = plain_markdown(match.group(2))
            if len(text.split()) >= _MIN_ITEM_WORDS:
                yield _text_id("wcep", text), None, text, category


def _masakhanews_tsv(files: list[Path], mapping: Mapping[str, str | None]) -> Iterator[RawItem]:
    del mapping
    csv.field_size_limit(10_000_000)
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                yield (
                    _text_id("masakhanews", row["headline"] + row["text"]),
                    row["headline"],
                    row["text"],
                    row["category"],
                )


# The same portal as YAML, one file a day: each heading's list mixes story titles (short, no
# full stop) with the event sentences under them; a key that is not a heading of the mapping
# table is a story title holding events, which belong to the heading before it.
_SOURCE_LABELS = re.compile(r"(?<=[.!?\"'’”])(?:,?\s*\([^()]*\))+\s*$")
_SENTENCE_END = re.compile(r"[.!?\"'’”)]$")
_STORY_TITLE_WORDS = 14
_FIRST_DATE = "2010-01-01"


def _wcep_yaml(files: list[Path], mapping: Mapping[str, str | None]) -> Iterator[RawItem]:
    for path in files:
        # CSafeLoader, else SafeLoader: plain data only.
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
        if not isinstance(document, dict) or str(document.get("Date", "")) < _FIRST_DATE:
            continue
        payload = document.get("Intelligence_Payload")
        if not isinstance(payload, dict):
            continue
        heading: str | None = None
        for key, entries in payload.items():
            if key in mapping:
                heading = key
            if heading is None or not isinstance(entries, list):
                continue
            for entry in entries:
                if not isinstance(entry, str):
                    continue
                text = " ".join(entry.split())
                words = len(text.split())
                if words <= _STORY_TITLE_WORDS and not _SENTENCE_END.search(text):
                    continue
                text = _SOURCE_LABELS.sub("", text)
                if len(text.split()) >= _MIN_ITEM_WORDS:
                    yield _text_id("wcep", text), None, text, heading


_READERS: dict[str, Callable[[list[Path], Mapping[str, str | None]], Iterator[RawItem]]] = {
    "wcep-markdown": _wcep_markdown,
    "wcep-yaml": _wcep_yaml,
    "masakhanews-tsv": _masakhanews_tsv,
}


def iptc_definitions() -> list[LabelledArticle]:
    """IPTC's own concepts as labelled descriptions: name, other names and definition, each
    under its top-level topic (the hierarchy is IPTC's labelling). They are the only examples
    some topics have (see the README of `topic-data`)."""
    return [
        LabelledArticle(
            source="iptc-definitions",
            id=f"iptc:{concept.code}",
            title=concept.name,
            text=" ".join((*concept.aliases, *concept.definitions)),
            label=concept.code,
            code=concept.top,
        )
        for concept in load_concepts()
    ]
