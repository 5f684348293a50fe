"""Story clustering against gold story labels: B-cubed and pairwise precision, recall, F1.

Gold files are JSON lines in arrival order: `id`, `story` (the gold label), `duplicate_of`
(the gold original, or null), and either `seed` (a file in `seeds/`) or `title`, `text`, `url`,
`outlet`, `published_at`. Articles go through `MemoryPipeline`: the enrich stage's copy
detection and the stories stage's `StoryDesk`, the code the services run, with their state in
memory instead of Redis, one by one in file order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from evaluation.goldfiles import gold_items
from services.enrich.analysis import analyse
from services.enrich.copies import MemoryCopyIndex
from services.stories.desk import MemoryStoryState, StoryDesk
from shared.schemas import EnrichedArticle, RawArticle


class MemoryPipeline:
    """Enrich (with copy detection) and stories for one article at a time, state in memory."""

    def __init__(
        self,
        enrich: Callable[[list[RawArticle]], list[EnrichedArticle]],
        zipf: Callable[[str], float],
    ) -> None:
        self._enrich = enrich
        self.copies = MemoryCopyIndex()
        self.state = MemoryStoryState()
        self.desk = StoryDesk(self.state, zipf)

    async def _nlp(self, articles: list[RawArticle]) -> list[EnrichedArticle]:
        return self._enrich(articles)

    async def process(self, article: RawArticle) -> EnrichedArticle:
        """The article as the enriched stream would carry it: story and copy fields set."""
        (analysed,) = await analyse([article], self.copies, self._nlp)
        (placed,) = await self.desk.place([analysed])
        return placed.article


@dataclass(frozen=True, slots=True)
class GoldStoryArticle:
    """An article with its gold story and, for a copy, its gold original."""

    id: str
    story: str
    duplicate_of: str | None
    article: RawArticle


def load_story_gold(path: Path, seeds: Path) -> list[GoldStoryArticle]:
    """Read a gold file in order, normalising each article as ingest would."""
    return [
        GoldStoryArticle(
            id=str(item["id"]),
            story=str(item["story"]),
            duplicate_of=item.get("duplicate_of"),
            article=article,
        )
        for item, article in gold_items(path, seeds)
    ]


def _prf(hits: float, predicted: float, gold: float) -> tuple[float, float, float]:
    precision = hits / predicted if predicted else 1.0
    recall = hits / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 3), round(recall, 3), round(f1, 3)


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga and Baldwin) of a clustering of the same items."""
    items = list(gold)
    by_predicted: dict[str, set[str]] = {}
    by_gold: dict[str, set[str]] = {}
    for item in items:
        by_predicted.setdefault(predicted[item], set()).add(item)
        by_gold.setdefault(gold[item], set()).add(item)
    precision = recall = 0.0
    for item in items:
        cluster, truth = by_predicted[predicted[item]], by_gold[gold[item]]
        shared = len(cluster & truth)
        precision += shared / len(cluster)
        recall += shared / len(truth)
    n = len(items) or 1
    p, r = precision / n, recall / n
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 3), round(r, 3), round(f1, 3)


def pairwise(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs of items put in the same cluster."""
    pairs = list(combinations(sorted(gold), 2))
    same_predicted = {p for p in pairs if predicted[p[0]] == predicted[p[1]]}
    same_gold = {p for p in pairs if gold[p[0]] == gold[p[1]]}
    return _prf(len(same_predicted & same_gold), len(same_predicted), len(same_gold))


@dataclass(frozen=True, slots=True)
class StoryReport:
    """The harness's figures for one gold file."""

    articles: int
    gold_stories: int
    predicted_stories: int
    bcubed: tuple[float, float, float]
    pairwise: tuple[float, float, float]
    duplicates: tuple[float, float, float]
    mistakes: tuple[str, ...]

    def figures(self) -> dict[str, float | int]:
        """Every figure by name."""
        names = ("precision", "recall", "f1")
        return {
            "articles": self.articles,
            "gold_stories": self.gold_stories,
            "predicted_stories": self.predicted_stories,
            **{f"bcubed_{n}": v for n, v in zip(names, self.bcubed, strict=True)},
            **{f"pairwise_{n}": v for n, v in zip(names, self.pairwise, strict=True)},
            **{f"duplicate_{n}": v for n, v in zip(names, self.duplicates, strict=True)},
        }


def _mistakes(predicted: Mapping[str, str], truth: Mapping[str, str]) -> tuple[str, ...]:
    """Each article whose predicted story differs from its gold story, and with whom it sits."""
    found = []
    for item in predicted:
        together = {o for o in predicted if predicted[o] == predicted[item]}
        should = {o for o in truth if truth[o] == truth[item]}
        if together != should:
            others = ", ".join(sorted(together - {item})) or "alone"
            found.append(f"{item} ({truth[item]}) with {others}")
    return tuple(found)


def evaluate_stories(gold: list[GoldStoryArticle], pipeline: MemoryPipeline) -> StoryReport:
    """Run the articles through `pipeline` in order and compare with the gold labels."""

    async def run_all() -> list[EnrichedArticle]:
        return [await pipeline.process(item.article) for item in gold]

    predicted: dict[str, str] = {}
    found_copies: dict[str, str] = {}
    by_article_id = {g.article.id: g.id for g in gold}
    for item, outcome in zip(gold, asyncio.run(run_all()), strict=True):
        predicted[item.id] = outcome.story_id or ""
        if outcome.duplicate_of is not None:
            found_copies[item.id] = by_article_id.get(outcome.duplicate_of, outcome.duplicate_of)
    truth = {g.id: g.story for g in gold}
    gold_copies = {g.id: g.duplicate_of for g in gold if g.duplicate_of}
    right = sum(1 for k, v in found_copies.items() if gold_copies.get(k) == v)
    mistakes = _mistakes(predicted, truth)
    return StoryReport(
        articles=len(gold),
        gold_stories=len(set(truth.values())),
        predicted_stories=len(set(predicted.values())),
        bcubed=bcubed(predicted, truth),
        pairwise=pairwise(predicted, truth),
        duplicates=_prf(right, len(found_copies), len(gold_copies)),
        mistakes=mistakes,
    )
