"""The public story-labelled streams pinned in `evaluation/story-data/sources.json`: where each
part's file is. A source whose texts may be shared is written next to the manifest and
committed; one whose texts are its outlets' copyright names a `folder` under `var/` and is
built locally from its pinned checkout (`tools.build_story_data`), never committed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Relative to the project folder, as the command line reads its files.
STORY_DATA = Path("evaluation/story-data")
MANIFEST = STORY_DATA / "sources.json"


@dataclass(frozen=True, slots=True)
class StoryPart:
    """One part of a source: its file (relative to the project folder) and role."""

    source: dict[str, Any]
    part: dict[str, Any]
    path: Path
    local: bool
    """Built locally, not committed: the file may be absent."""


def story_parts(root: Path = Path(), manifest: Path = MANIFEST) -> list[StoryPart]:
    """Every part of every pinned source, in the manifest's order, paths under `root`."""
    sources = json.loads((root / manifest).read_text(encoding="utf-8"))["sources"]
    found = []
    for source in sources:
        folder = source.get("folder")
        for part in source["parts"]:
            path = root / (folder or STORY_DATA) / part["file"]
            found.append(StoryPart(source, part, path, local=folder is not None))
    return found


def held_out_files(root: Path = Path()) -> tuple[list[Path], list[Path]]:
    """The held-out parts' files, and those of them built locally that are not built yet."""
    held_out = [p for p in story_parts(root) if p.part["role"] == "heldout"]
    absent = [p.path for p in held_out if p.local and not p.path.is_file()]
    return [p.path for p in held_out if p.path not in absent], absent
