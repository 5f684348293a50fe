"""A story-labelled stream of headline-length news items from Wikipedia's Current events portal.

Each day's page files its items (one or two sentences, with the outlets cited) under the story
they belong to: a bullet with deeper bullets under it names a story (a Wikipedia article, such
as a war, an election, a disaster), and its leaves are that day's items. An item's gold story
is the innermost story bullet above it (the first article it names), split into episodes where
the portal went more than `gap` without an item of it; an item under no story bullet is a story
of its own. Items come in page order, day by day, each at noon of its day.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from evaluation.topicsources import BULLET, CITATION_TEXT, LINK_TEXT, plain_markdown

_MIN_ITEM_WORDS = 6
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)][.!?])\s+(?=[A-Z\"'])")
_PAGE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")


def _story_name(bullet: str) -> str:
    # The first article a story bullet names ("Gaza war", …): the others vary from day to day.
    first = LINK_TEXT.match(bullet)
    return plain_markdown(first.group(1) if first else bullet)


def _citation(bullet: str) -> tuple[str | None, str | None]:
    found = CITATION_TEXT.search(bullet)
    if found is None:
        return None, None
    return plain_markdown(found.group(1)), found.group(2)


def page_items(path: Path) -> Iterator[tuple[str, str, str | None, str | None]]:
    """Each item of one day's page: its story name ('' if none), text, outlet, source URL."""
    lines = path.read_text(encoding="utf-8").splitlines()
    bullets = [BULLET.match(line) for line in lines]
    stack: list[tuple[int, str]] = []  # (indent, story name) of the story bullets above
    for n, match in enumerate(bullets):
        if match is None:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        following = next((b for b in bullets[n + 1 :] if b is not None), None)
        if following is not None and len(following.group(1)) > indent:
            stack.append((indent, _story_name(match.group(2))))
            continue
        outlet, url = _citation(match.group(2))
        text = plain_markdown(match.group(2))
        if len(text.split()) >= _MIN_ITEM_WORDS:
            yield (stack[-1][1] if stack else ""), text, outlet, url


def story_stream(
    pages: Iterable[Path], gap: timedelta = timedelta(days=3)
) -> Iterator[dict[str, Any]]:
    """Gold lines (see `evaluation.stories`) for the items of `pages`, in date order."""
    last_seen: dict[str, tuple[date, int]] = {}
    dated = sorted((date.fromisoformat(_PAGE_DATE.search(p.name).group(1)), p) for p in pages)  # type: ignore[union-attr]
    for day, page in dated:
        for number, (story, text, outlet, url) in enumerate(page_items(page), start=1):
            item_id = f"wcep-{day.isoformat()}-{number:03d}"
            if story:
                previous = last_seen.get(story)
                episode = previous[1] if previous else 1
                if previous is not None and day - previous[0] > gap:
                    episode += 1
                last_seen[story] = (day, episode)
                label = f"{story} #{episode}"
            else:
                label = item_id
            sentences = _SENTENCE_END.split(text, maxsplit=1)
            yield {
                "id": item_id,
                "story": label,
                "duplicate_of": None,
                "title": sentences[0],
                "text": text,
                "outlet": outlet,
                "url": url,
                "published_at": f"{day.isoformat()}T12:00:00+00:00",
            }
