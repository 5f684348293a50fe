"""Key stability on real news items grouped by story, with entity identity from their links.

Wikipedia's Current events portal (the `wcep-2025-2026` source of `topic-data/`) files each
day's one- or two-sentence news items under the story they belong to (a bullet naming the
story's article, with the items under it), and its editors link the names in each item to
the Wikipedia article of the thing named. So the link target says which real entity a span
is, independently of the model: "Mark Carney" in one item and "Carney" in another, both
linked to `Mark_Carney`, are the same entity.

Each item is enriched alone, as a headline-only item would be. For every story and every
linked target named in two items or more of it, the key of the project's entity at each
link is compared: the pair is stable when every item where the project found the entity gave
it the same key. A link counts as naming its target when its text is the target's title or
its last words ("Carney" for Mark Carney); links on common nouns or nationality
words ("Israeli" to the Israeli Air Force) are left out. This measures whether keys flip
between short texts about the same story; it does not measure whether the label in the key
is right, nor entities that were not linked. Where the project's span around a link also
covers another linked name ("United States Supreme Court" around a link to the United States),
the project named a bigger thing there, not the linked one: that item does not count as
finding it. Stories are split in two halves by a hash of their name: rules were looked at and
adjusted on the `tune` half; the `held-out` half is only reported.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from evaluation.topicsources import (
    BULLET,
    CITATION,
    EMPHASIS,
    HEADING,
    LINK_TEXT,
    Source,
    pinned_files,
)
from shared.schemas import EnrichedArticle

_WIKI_LINK = re.compile(
    r"\[([^\]]+)\]\(https?://en\.wikipedia\.org/wiki/((?:[^()\s]|\([^()\s]*\))+)"
    r"(?:\s+\"[^\"]*\")?\)"
)
_MIN_WORDS = 6


@dataclass(frozen=True, slots=True)
class LinkedItem:
    """One news item: its story, its plain text and its links (start, end, target)."""

    story: str
    text: str
    links: tuple[tuple[int, int, str], ...]


def _target(url_path: str) -> str:
    return unquote(url_path).split("#")[0].replace("_", " ")


def plain_with_links(markdown: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """An item's text without markup or cited sources, and where each Wikipedia link is."""
    markdown = EMPHASIS.sub("", CITATION.sub("", markdown))
    parts: list[str] = []
    links: list[tuple[int, int, str]] = []
    position = 0
    length = 0
    for match in _WIKI_LINK.finditer(markdown):
        before = LINK_TEXT.sub(r"\1", markdown[position : match.start()])
        parts.append(before)
        length += len(before)
        anchor = match.group(1)
        links.append((length, length + len(anchor), _target(match.group(2))))
        parts.append(anchor)
        length += len(anchor)
        position = match.end()
    parts.append(LINK_TEXT.sub(r"\1", markdown[position:]))
    text = "".join(parts)
    stripped = text.rstrip()
    return stripped, tuple(link for link in links if link[1] <= len(stripped))


def _items_of(lines: Sequence[str]) -> Iterator[LinkedItem]:
    stories: dict[int, str] = {}
    for n, line in enumerate(lines):
        if HEADING.match(line):
            stories.clear()
            continue
        bullet = BULLET.match(line)
        if bullet is None:
            continue
        depth = len(bullet.group(1))
        stories = {d: s for d, s in stories.items() if d < depth}
        following = BULLET.match(lines[n + 1]) if n + 1 < len(lines) else None
        heading = _WIKI_LINK.fullmatch(bullet.group(2).strip())
        # A bullet with deeper bullets under it names a story, not an event.
        if following is not None and len(following.group(1)) > depth:
            if heading:
                stories[depth] = _target(heading.group(2))
            continue
        text, links = plain_with_links(bullet.group(2))
        if stories and len(text.split()) >= _MIN_WORDS:
            yield LinkedItem(stories[max(stories)], text, links)


def load_linked_items(source: Source, data: Path) -> list[LinkedItem]:
    """Every item of the portal source filed under a story, after checking its digest."""
    items: list[LinkedItem] = []
    for path in pinned_files(source, data):
        items.extend(_items_of(path.read_text(encoding="utf-8").splitlines()))
    return items


@dataclass(slots=True)
class KeyStability:
    """Stories' linked entities and how many got one key across the story's items."""

    pairs: int = 0
    """(story, entity) named in two items or more."""
    found_twice: int = 0
    """Of those, found by the project in two items or more."""
    stable: int = 0
    """Of those, given one key in every item where it was found."""
    splits: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, float | int]:
        """The counts and the stability (stable / found twice)."""
        return {
            "story entities named in 2+ items": self.pairs,
            "found in 2+ items": self.found_twice,
            "one key across the story": self.stable,
            "key stability": round(self.stable / self.found_twice, 3) if self.found_twice else 0.0,
        }


Part = Literal["tune", "held-out"]


def story_part(story: str) -> Part:
    """The half a story falls in, by a hash of its name (the whole digest's parity)."""
    digest = hashlib.sha256(story.encode("utf-8")).hexdigest()
    return "tune" if int(digest, 16) % 2 == 0 else "held-out"


def _key_at(
    article: EnrichedArticle, start: int, end: int, others: Sequence[tuple[int, int]]
) -> str | None:
    best, overlap = None, 0
    for entity in article.entities:
        for mention in entity.mentions:
            shared = min(end, mention.end) - max(start, mention.start)
            bigger = any(mention.start <= s and e <= mention.end for s, e in others)
            if mention.field == "text" and shared > overlap and not bigger:
                best, overlap = entity.key, shared
    return best


def names(anchor: str, target: str) -> bool:
    """Whether a link's text names its target: a capitalised name that is the target's title
    (its qualifier aside: "Kursk" for Kursk (city), "Bari" for Bari, Somalia) or its last words
    ("Carney" for Mark Carney). A link on a nationality ("Israeli" to the Israeli Air Force) or
    a common noun does not name it."""
    title = re.sub(r"\s*\(.*\)$", "", target).split(",")[0].casefold().split()
    given = anchor.casefold().split()
    if not given or not anchor[0].isupper():
        return False
    return given == title[len(title) - len(given) :]


def key_stability(
    items: Sequence[LinkedItem], enrich: Callable[[list[LinkedItem]], list[EnrichedArticle]]
) -> dict[str, KeyStability]:
    """Enrich each item alone and compare the keys each story's linked entities got: for the
    `tune` half of the stories, the `held-out` half and `all`."""
    keys: dict[tuple[str, str], list[str | None]] = defaultdict(list)
    for item, article in zip(items, enrich(list(items)), strict=True):
        named: dict[str, str | None] = {}
        for start, end, target in item.links:
            if names(item.text[start:end], target):
                others = [(s, e) for s, e, _ in item.links if (s, e) != (start, end)]
                # The first link to the target where the project found it, if any.
                if named.get(target) is None:
                    named[target] = _key_at(article, start, end, others)
        for target, key in named.items():
            keys[item.story, target].append(key)
    parts = {part: KeyStability() for part in ("tune", "held-out", "all")}
    for (story, target), found in keys.items():
        if len(found) < 2:
            continue
        for result in (parts[story_part(story)], parts["all"]):
            _count(result, f"{story} / {target}", found)
    return parts


def _count(result: KeyStability, name: str, found: Sequence[str | None]) -> None:
    result.pairs += 1
    given = [k for k in found if k is not None]
    if len(given) < 2:
        return
    result.found_twice += 1
    if len(set(given)) == 1:
        result.stable += 1
    else:
        result.splits.append(f"{name}: {', '.join(sorted(set(given)))}")
