"""Write the story-labelled evaluation streams from checkouts of the pinned public sources (see
`evaluation/story-data/README.md` and `sources.json`): each source checked out at its commit in
`DATA/<name>/`. A source that is not checked out is skipped; one whose texts are their
outlets' copyright is written to its `folder` under `var/`, never committed.

    .venv/bin/python -m tools.build_story_data DATA

Each part's input files are checked against the pinned digest first, and the written file
against the pinned SHA-256 after: the same checkouts always give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from evaluation import ecbstories, newsclusterstories, wcepstories
from evaluation.storydata import StoryPart, story_parts
from evaluation.topicsources import digest

ROOT = Path(__file__).resolve().parents[1]

Part = dict[str, Any]


def _portal_pages(checkout: Path, part: Part) -> list[Path]:
    pages = checkout.glob("docs/_posts/*-index.md")
    return sorted(p for p in pages if part["from"] <= p.name[:10] <= part["to"])


def _ecb_documents(checkout: Path, part: Part) -> list[Path]:
    found = (p for p in checkout.glob("ECB+/*/*.xml") if ecbstories.is_document(p))
    return sorted(p for p in found if part["from"] <= ecbstories.topic_of(p) <= part["to"])


def _news_cluster_articles(checkout: Path, part: Part) -> list[Path]:
    found = checkout.glob("Giveme5W1H/examples/datasets/news_cluster/data/*.json")
    return sorted(
        p
        for p in found
        if newsclusterstories.role_of(newsclusterstories.event_of(p)) == part["role"]
    )


_READERS: dict[
    str,
    tuple[Callable[[Path, Part], list[Path]], Callable[[Iterable[Path]], Iterator[dict[str, Any]]]],
] = {
    "wcep-markdown": (_portal_pages, wcepstories.story_stream),
    "ecbplus-xml": (_ecb_documents, ecbstories.story_stream),
    "news-cluster-json": (_news_cluster_articles, newsclusterstories.story_stream),
}


class BuildError(Exception):
    """A checkout's files or a written file are not the pinned ones."""


def build_part(part: StoryPart, data: Path) -> str:
    """Check the part's input files, write its file; what was written, in a line."""
    select, stream = _READERS[part.source["format"]]
    checkout = data / part.source["name"]
    files = select(checkout, part.part)
    found = digest(files, checkout)
    if found != part.part["sha256"]:
        msg = f"{part.path.name}: input digest {found}, expected {part.part['sha256']}"
        raise BuildError(msg)
    lines = [json.dumps(item, ensure_ascii=False) for item in stream(files)]
    body = ("\n".join(lines) + "\n").encode()
    part.path.parent.mkdir(parents=True, exist_ok=True)
    part.path.write_bytes(body)
    written = hashlib.sha256(body).hexdigest()
    if written != part.part["file_sha256"]:
        msg = f"{part.path}: written SHA-256 {written}, expected {part.part['file_sha256']}"
        raise BuildError(msg)
    return f"{part.path}: {len(lines)} items from {len(files)} files"


def build(data: Path, root: Path) -> Iterator[str]:
    """Build every part whose source is checked out under `data`; a line per part."""
    for part in story_parts(root):
        if (data / part.source["name"]).is_dir():
            yield build_part(part, data)
        else:
            yield f"{part.path}: skipped, {data / part.source['name']} is not checked out"


def main() -> None:
    """Check each checked-out part's files, then write it."""
    parser = argparse.ArgumentParser(prog="python -m tools.build_story_data")
    parser.add_argument("data", type=Path, help="a folder with each source checked out by name")
    args = parser.parse_args()
    try:
        for line in build(args.data, ROOT):
            print(line)
    except BuildError as exc:
        raise SystemExit(str(exc)) from exc


if __name__ == "__main__":
    main()
