"""Write the story-labelled evaluation streams in `evaluation/story-data/` from checkouts of the
pinned public sources (see that folder's README and `sources.json`): each source checked out
at its commit in `DATA/<name>/`.

    .venv/bin/python -m tools.build_story_data DATA

Each part's input files are checked against the pinned digest first; the same checkouts always
give the same bytes.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from evaluation import ecbstories, wcepstories
from evaluation.topicsources import digest

STORY_DATA = Path(__file__).resolve().parents[1] / "evaluation" / "story-data"

Part = dict[str, Any]


def _portal_pages(checkout: Path, part: Part) -> list[Path]:
    pages = checkout.glob("docs/_posts/*-index.md")
    return sorted(p for p in pages if part["from"] <= p.name[:10] <= part["to"])


def _ecb_documents(checkout: Path, part: Part) -> list[Path]:
    found = (p for p in checkout.glob("ECB+/*/*.xml") if ecbstories.is_document(p))
    return sorted(p for p in found if part["from"] <= ecbstories.topic_of(p) <= part["to"])


_READERS: dict[
    str,
    tuple[Callable[[Path, Part], list[Path]], Callable[[Iterable[Path]], Iterator[dict[str, Any]]]],
] = {
    "wcep-markdown": (_portal_pages, wcepstories.story_stream),
    "ecbplus-xml": (_ecb_documents, ecbstories.story_stream),
}


def main() -> None:
    """Check each part's files, then write it."""
    parser = argparse.ArgumentParser(prog="python -m tools.build_story_data")
    parser.add_argument("data", type=Path, help="a folder with each source checked out by name")
    parser.add_argument("--out", type=Path, default=STORY_DATA)
    args = parser.parse_args()
    manifest = json.loads((STORY_DATA / "sources.json").read_text(encoding="utf-8"))
    for source in manifest["sources"]:
        select, stream = _READERS[source["format"]]
        checkout = args.data / source["name"]
        for part in source["parts"]:
            files = select(checkout, part)
            found = digest(files, checkout)
            if found != part["sha256"]:
                raise SystemExit(f"{part['file']}: input digest {found}, expected {part['sha256']}")
            lines = [json.dumps(item, ensure_ascii=False) for item in stream(files)]
            (args.out / part["file"]).write_text("\n".join(lines) + "\n", encoding="utf-8")
            print(f"{part['file']}: {len(lines)} items from {len(files)} files")


if __name__ == "__main__":
    main()
