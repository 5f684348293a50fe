"""Enrichment against a hand-annotated gold set: entity precision/recall/F1, topic accuracy.

Gold files are JSON lines, one article each: `id`, either `seed` (a file name in `seeds/`,
read through ingest's own path) or `title` and `text`, then `topics` (IPTC top-level names, the
main one first) and `entities` (`name`, `type`, optional `aliases`). See `gold/README.md` for
how they were annotated.

Entities are compared per article, one real-world thing against one gold entry: a predicted
entity matches a gold entity when its canonical name or any of its forms equals the gold name or
an alias (case, dots and spaces ignored). Each gold entity can be matched once, so a person
split into "Jens Stoltenberg" and "Stoltenberg" is one hit and one false positive. "Typed"
figures also need the type to agree (GPE and LOC count as one place class).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evaluation.goldfiles import gold_items
from services.enrich.countries import alias_key
from shared.schemas import EnrichedArticle, Entity, RawArticle, Topic

_PLACE = frozenset({"GPE", "LOC"})


@dataclass(frozen=True, slots=True)
class GoldEntity:
    """One annotated entity: its name, type and the other ways the article writes it."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        """The lookup forms of every name it goes by."""
        return frozenset(alias_key(n) for n in (self.name, *self.aliases))


@dataclass(frozen=True, slots=True)
class GoldArticle:
    """An article of the gold set with its annotations."""

    id: str
    article: RawArticle
    topics: tuple[str, ...]
    entities: tuple[GoldEntity, ...]


def load_gold(path: Path, seeds: Path) -> list[GoldArticle]:
    """Read a gold file; `seed` entries are normalised from `seeds/` as ingest would."""
    return [
        GoldArticle(
            id=str(item["id"]),
            article=article,
            topics=tuple(item["topics"]),
            entities=tuple(
                GoldEntity(e["name"], e["type"], tuple(e.get("aliases", ())))
                for e in item["entities"]
            ),
        )
        for item, article in gold_items(path, seeds)
    ]


@dataclass(slots=True)
class EntityCounts:
    """Hits and totals for precision and recall, by names alone and with types."""

    predicted: int = 0
    gold: int = 0
    hits: int = 0
    typed_hits: int = 0
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)

    def add(self, other: EntityCounts) -> None:
        """Fold another article's counts into these."""
        self.predicted += other.predicted
        self.gold += other.gold
        self.hits += other.hits
        self.typed_hits += other.typed_hits
        self.missed += other.missed
        self.spurious += other.spurious


def _same_class(label: str, gold_type: str) -> bool:
    return label == gold_type or (label in _PLACE and gold_type in _PLACE)


def match_entities(predicted: Sequence[Entity], gold: Sequence[GoldEntity]) -> EntityCounts:
    """One-to-one matching of an article's entities against its gold entities."""
    counts = EntityCounts(predicted=len(predicted), gold=len(gold))
    unmatched = list(gold)
    for entity in predicted:
        keys = {alias_key(n) for n in (entity.text, *entity.forms)}
        found = next((g for g in unmatched if g.keys & keys), None)
        if found is None:
            counts.spurious.append(f"{entity.text} ({entity.label})")
            continue
        unmatched.remove(found)
        counts.hits += 1
        counts.typed_hits += _same_class(entity.label, found.type)
    counts.missed = [f"{g.name} ({g.type})" for g in unmatched]
    return counts


@dataclass(slots=True)
class TopicCounts:
    """Per-article topic outcomes, summed."""

    articles: int = 0
    top_correct: int = 0
    main_found: int = 0
    predicted: int = 0
    gold: int = 0
    hits: int = 0

    def add(self, topics: Sequence[Topic], gold: Sequence[str]) -> None:
        """Score one article: its predicted topics (best first) against its gold labels."""
        labels = [t.label for t in topics]
        self.articles += 1
        self.top_correct += bool(labels) and labels[0] in gold
        self.main_found += gold[0] in labels
        self.predicted += len(labels)
        self.gold += len(gold)
        self.hits += len(set(labels) & set(gold))


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def _f1(precision: float, recall: float) -> float:
    return round(2 * precision * recall / (precision + recall), 3) if precision + recall else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """The figures for one gold set."""

    name: str
    articles: int
    entities: EntityCounts
    topics: TopicCounts

    def figures(self) -> dict[str, float | int]:
        """Every figure by name, as printed and as written to JSON."""
        e, t = self.entities, self.topics
        precision, recall = _ratio(e.hits, e.predicted), _ratio(e.hits, e.gold)
        typed_p, typed_r = _ratio(e.typed_hits, e.predicted), _ratio(e.typed_hits, e.gold)
        topic_p, topic_r = _ratio(t.hits, t.predicted), _ratio(t.hits, t.gold)
        return {
            "articles": self.articles,
            "gold_entities": e.gold,
            "predicted_entities": e.predicted,
            "entity_precision": precision,
            "entity_recall": recall,
            "entity_f1": _f1(precision, recall),
            "typed_entity_precision": typed_p,
            "typed_entity_recall": typed_r,
            "typed_entity_f1": _f1(typed_p, typed_r),
            "topic_top1_accuracy": _ratio(t.top_correct, t.articles),
            "main_topic_recall": _ratio(t.main_found, t.articles),
            "topic_precision": topic_p,
            "topic_recall": topic_r,
            "topic_f1": _f1(topic_p, topic_r),
        }


def evaluate(name: str, gold: Sequence[GoldArticle], enriched: Iterable[EnrichedArticle]) -> Report:
    """Compare enrichment output (in gold order) with the gold annotations."""
    entities, topics = EntityCounts(), TopicCounts()
    count = 0
    for item, article in zip(gold, enriched, strict=True):
        count += 1
        entities.add(match_entities(article.entities, item.entities))
        topics.add(article.topics, item.topics)
    return Report(name=name, articles=count, entities=entities, topics=topics)


def evaluated_at() -> str:
    """When a report was made, for its JSON (UTC, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")
