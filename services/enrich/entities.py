"""Merging NER mentions into one entity list per article."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from shared.schemas import Entity, Mention


@dataclass(frozen=True, slots=True)
class RawMention:
    """One entity span as the NER model tagged it."""

    text: str
    label: str
    field: Literal["title", "text"]
    start: int
    end: int


def merge_mentions(mentions: Sequence[RawMention]) -> tuple[Entity, ...]:
    """One entity per exact mention text, in order of first appearance.

    The model may tag the same text differently in different sentences; the entity takes the
    label most of its mentions have (the earliest such label on a tie).
    """
    by_text: dict[str, list[RawMention]] = {}
    for mention in mentions:
        by_text.setdefault(mention.text, []).append(mention)
    entities = []
    for text, group in by_text.items():
        labels = Counter(m.label for m in group)
        top = max(labels.values())
        label = next(m.label for m in group if labels[m.label] == top)
        entities.append(
            Entity(
                text=text,
                label=label,
                count=len(group),
                mentions=tuple(Mention(field=m.field, start=m.start, end=m.end) for m in group),
            )
        )
    return tuple(entities)
