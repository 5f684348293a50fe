"""Dated full-text news labelled by event, from News-Cluster (Hamborg et al., Giveme5W1H).

Each of the corpus's files is one English article as its outlet published it (title, text,
publish time, outlet's domain) with the event it reports (`newsCluster.Event`: the Falcon Heavy's
first launch, the Las Vegas shooting…). An article's gold story is its event, split into
episodes where the event went more than `gap` without an article (the stories service's
window: a story it cannot reach again is a new one). Articles arrive in publish-time order.
An event belongs wholly to the development or the held-out part, by a hash of its name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

Role = Literal["dev", "heldout"]


def role_of(event: str) -> Role:
    """The part an event belongs to: development when the SHA-256 of its name is even."""
    return "dev" if int(hashlib.sha256(event.encode()).hexdigest(), 16) % 2 == 0 else "heldout"


def event_of(path: Path) -> str:
    """The event an article file reports."""
    return str(_read(path)["newsCluster"]["Event"])


def _read(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return found


def _published(item: dict[str, Any]) -> datetime:
    # The corpus writes times without a zone (most at midnight: a date only): taken as UTC.
    at = datetime.fromisoformat(str(item["date_publish"]))
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def story_stream(
    documents: Iterable[Path], gap: timedelta = timedelta(days=3)
) -> Iterator[dict[str, Any]]:
    """Gold lines (see `evaluation.stories`) for `documents`, in publish-time order (ties by
    the corpus's document id)."""
    items = sorted(
        (_read(p) for p in documents), key=lambda item: (_published(item), str(item["dId"]))
    )
    last_seen: dict[str, tuple[datetime, int]] = {}
    for item in items:
        event, at = str(item["newsCluster"]["Event"]), _published(item)
        previous = last_seen.get(event)
        episode = previous[1] if previous else 1
        if previous is not None and at - previous[0] > gap:
            episode += 1
        last_seen[event] = (at, episode)
        yield {
            "id": f"newscluster-{item['dId']}",
            "story": f"{event} #{episode}",
            "duplicate_of": None,
            "title": item["title"],
            "text": item["text"],
            "outlet": item["source_domain"],
            "url": item["url"],
            "published_at": at.isoformat(),
        }
