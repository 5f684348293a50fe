"""Story clustering against gold story labels: B-cubed and pairwise precision, recall, F1.

Gold files are JSON lines in arrival order: `id`, `story` (the gold label), `duplicate_of`
(the gold original, or null), and either `seed` (a file in `seeds/`) or `title`, `text`, `url`,
`outlet`, `published_at`. Articles go through `MemoryPipeline`: the enrich stage's copy
detection and the stories stage's `StoryDesk`, the code the services run, with their state in
memory instead of Redis, one by one in file order. Beside them, the same clustering runs with
the gold labels' help against one kind of error at a time (`GoldAssisted`), to show which kind
limits the figures.
"""

from __future__ import annotations

import asyncio
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from evaluation.goldfiles import gold_items
from services.enrich.analysis import analyse
from services.enrich.copies import MemoryCopyIndex
from services.stories.clustering import StoryClusterer, StoryFeatures
from services.stories.desk import MemoryStoryState, Placed, StoryDesk, TimeBounds, follow_merges
from shared.schemas import EnrichedArticle, RawArticle


class RecentCopyIndex(MemoryCopyIndex):
    """A `MemoryCopyIndex` that lends the enrichment of its latest `keep` articles only (the
    service's index lends it for `COPY_WINDOW_HOURS`): an enriched article holds tens of kB,
    so a long stream would otherwise fill memory. An older original's copy is still found,
    and is analysed anew."""

    def __init__(self, keep: int = 1000) -> None:
        super().__init__()
        self._keep = keep
        self._lent: OrderedDict[str, EnrichedArticle] = OrderedDict()

    async def remember(self, article: EnrichedArticle) -> None:
        """See `CopyIndex.remember`."""
        self._lent[article.id] = article
        while len(self._lent) > self._keep:
            self._lent.popitem(last=False)

    async def enrichment_of(self, article_id: str) -> EnrichedArticle | None:
        """See `CopyIndex.enrichment_of`."""
        return self._lent.get(article_id)


class MemoryPipeline:
    """Enrich (with copy detection) and stories for one article at a time, state in memory."""

    def __init__(
        self,
        enrich: Callable[[list[RawArticle]], list[EnrichedArticle]],
        zipf: Callable[[str], float],
        clusterer: StoryClusterer | None = None,
        time_bounds: TimeBounds | None = None,
        keep: timedelta | None = None,
    ) -> None:
        self._enrich = enrich
        self.copies = RecentCopyIndex()
        self.state = MemoryStoryState(keep=keep)
        self.desk = StoryDesk(self.state, zipf, clusterer, time_bounds)

    async def _nlp(self, articles: list[RawArticle]) -> list[EnrichedArticle]:
        return self._enrich(articles)

    async def place(self, article: RawArticle) -> Placed:
        """The article placed as the stories stage places it: story and copy fields set."""
        (analysed,) = await analyse([article], self.copies, self._nlp)
        (placed,) = await self.desk.place([analysed])
        return placed

    async def process(self, article: RawArticle) -> EnrichedArticle:
        """The article as the enriched stream would carry it: story and copy fields set."""
        return (await self.place(article)).article


@dataclass(frozen=True, slots=True)
class GoldStoryArticle:
    """An article with its gold story and, for a copy, its gold original."""

    id: str
    story: str
    duplicate_of: str | None
    article: RawArticle


def load_story_gold(path: Path, seeds: Path) -> Iterator[GoldStoryArticle]:
    """Read a gold file in order, normalising each article as ingest would (one at a time: a
    long file is never all in memory)."""
    for item, article in gold_items(path, seeds):
        yield GoldStoryArticle(
            id=str(item["id"]),
            story=str(item["story"]),
            duplicate_of=item.get("duplicate_of"),
            article=article,
        )


def _prf(hits: float, predicted: float, gold: float) -> tuple[float, float, float]:
    precision = hits / predicted if predicted else 1.0
    recall = hits / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 3), round(recall, 3), round(f1, 3)


def _cells(
    predicted: Mapping[str, str], gold: Mapping[str, str]
) -> tuple[Counter[tuple[str, str]], Counter[str], Counter[str]]:
    # Counts of items per (predicted, gold) cell, per predicted and per gold cluster: the
    # figures need nothing else, so their memory grows with the clusters, not with the pairs.
    cells = Counter((predicted[item], truth) for item, truth in gold.items())
    return cells, Counter(predicted[item] for item in gold), Counter(gold.values())


def bcubed(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga and Baldwin) of a clustering of the same items."""
    cells, by_predicted, by_gold = _cells(predicted, gold)
    # Each of the n items of a cell shares its cell with n items: n * n / cluster size.
    precision = sum(n * n / by_predicted[p] for (p, _), n in cells.items())
    recall = sum(n * n / by_gold[g] for (_, g), n in cells.items())
    n = len(gold) or 1
    p, r = precision / n, recall / n
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 3), round(r, 3), round(f1, 3)


def _pairs(size: int) -> int:
    return size * (size - 1) // 2


def pairwise(predicted: Mapping[str, str], gold: Mapping[str, str]) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs of items put in the same cluster."""
    cells, by_predicted, by_gold = _cells(predicted, gold)
    return _prf(
        sum(_pairs(n) for n in cells.values()),
        sum(_pairs(n) for n in by_predicted.values()),
        sum(_pairs(n) for n in by_gold.values()),
    )


@dataclass
class Margins:
    """How far apart same-story and cross-story similarities are, seen in arrival order: for
    each article, its highest similarity to a story holding an earlier article of its gold
    story (0 if that story was not even compared), and to a story holding none."""

    same: list[float] = field(default_factory=list)
    cross: list[float] = field(default_factory=list)
    _labels: dict[str, Counter[str]] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)

    def observe(self, truth: str, placed: Placed) -> None:
        """Take one placed article with its gold story, in arrival order."""
        same = cross = 0.0
        for story_id, score in placed.candidates:
            if self._labels.get(story_id, Counter())[truth]:
                same = max(same, score)
            else:
                cross = max(cross, score)
        if truth in self._seen:
            self.same.append(same)
        self.cross.append(cross)
        self._seen.add(truth)
        story_id = placed.article.story_id or ""
        labels = self._labels.setdefault(story_id, Counter())
        for event in placed.events:
            for gone in event.merged:
                labels.update(self._labels.pop(gone, Counter()))
        labels[truth] += 1

    def figures(self) -> dict[str, float]:
        """The lowest and 10th-percentile same-story similarity, the 90th-percentile and
        highest cross-story similarity."""
        same, cross = sorted(self.same) or [1.0], sorted(self.cross) or [0.0]
        return {
            "lowest_same_story_similarity": round(same[0], 3),
            "same_story_similarity_p10": round(same[len(same) // 10], 3),
            "cross_story_similarity_p90": round(cross[len(cross) * 9 // 10], 3),
            "highest_cross_story_similarity": round(cross[-1], 3),
        }


@dataclass
class GoldAssisted:
    """The clustering run again beside the real one, with the gold labels' help, to show what
    limits it: the same clusterer (settings, similarity, threshold) places each article, except
    that with `veto` no article joins a story whose commonest gold label is not its own (no
    wrong join: a look-alike event never lands in its twin's story), and with `rescue` an
    article that would start a story joins the story in memory holding most of its gold
    story's articles instead (no split). Each alone shows how far fixing only that kind of
    error could go (a threshold trades one kind for the other). Here stories are never merged
    and copies are compared like any article."""

    clusterer: StoryClusterer
    veto: bool = False
    rescue: bool = False
    placed: dict[str, str] = field(default_factory=dict)
    """Gold item id → story id."""
    _labels: dict[str, Counter[str]] = field(default_factory=dict)
    _homes: dict[str, Counter[str]] = field(default_factory=dict)
    _by_article: dict[str, str] = field(default_factory=dict)

    def observe(self, item_id: str, truth: str, features: StoryFeatures) -> None:
        """Place one article with its gold story, in arrival order (an article placed before
        keeps its story, as the desk keeps it)."""
        story_id = self._by_article.get(features.article_id)
        if story_id is None:
            story_id = self._place(truth, features)
            self._by_article[features.article_id] = story_id
            self._labels.setdefault(story_id, Counter())[truth] += 1
            self._homes.setdefault(truth, Counter())[story_id] += 1
        self.placed[item_id] = story_id

    def _place(self, truth: str, features: StoryFeatures) -> str:
        scores = self.clusterer.scores(features)
        if self.veto:
            scores = {s: v for s, v in scores.items() if self._commonest(s) == truth}
        joinable = [(v, s) for s, v in scores.items() if v >= self.clusterer.threshold]
        if joinable:
            story_id = max(joinable)[1]
        elif self.rescue and (home := self._home(truth)) is not None:
            story_id = home
        else:
            return self.clusterer.start(features).id
        self.clusterer.join(story_id, features)
        return story_id

    def _commonest(self, story_id: str) -> str:
        return self._labels[story_id].most_common(1)[0][0]

    def _home(self, truth: str) -> str | None:
        held = [
            (n, s)
            for s, n in self._homes.get(truth, Counter()).items()
            if self.clusterer.holds(s) and self._commonest(s) == truth
        ]
        return max(held)[1] if held else None


@dataclass(frozen=True, slots=True)
class StoryReport:
    """The harness's figures for one gold file."""

    articles: int
    gold_stories: int
    predicted_stories: int
    bcubed: tuple[float, float, float]
    pairwise: tuple[float, float, float]
    duplicates: tuple[float, float, float] | None
    """None when the gold file labels no copies."""
    margins: dict[str, float]
    limits: dict[str, float | int]
    """B-cubed F1 and story count of the gold-assisted runs (see `GoldAssisted`)."""
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
            **{f"duplicate_{n}": v for n, v in zip(names, self.duplicates or (), strict=False)},
            **self.margins,
            **self.limits,
        }


# Mates listed per misplaced article.
_SHOWN = 10


def _mistakes(predicted: Mapping[str, str], truth: Mapping[str, str]) -> tuple[str, ...]:
    """Each article whose predicted story differs from its gold story, and with whom it sits."""
    together: dict[str, set[str]] = {}
    should: dict[str, set[str]] = {}
    for item in predicted:
        together.setdefault(predicted[item], set()).add(item)
        should.setdefault(truth[item], set()).add(item)
    found = []
    for item in predicted:
        mates = together[predicted[item]]
        if mates != should[truth[item]]:
            others = sorted(mates - {item})
            shown = ", ".join(others[:_SHOWN])
            if len(others) > _SHOWN:
                shown += f" and {len(others) - _SHOWN} more"
            found.append(f"{item} ({truth[item]}) with {shown or 'alone'}")
    return tuple(found)


def _limits(runs: Mapping[str, GoldAssisted], truth: Mapping[str, str]) -> dict[str, float | int]:
    figures: dict[str, float | int] = {}
    for name, run in runs.items():
        placed = {item: run.placed.get(item, item) for item in truth}
        figures[f"bcubed_f1_if_{name}"] = bcubed(placed, truth)[2]
        figures[f"predicted_stories_if_{name}"] = len(set(placed.values()))
    return figures


def evaluate_stories(gold: Iterable[GoldStoryArticle], pipeline: MemoryPipeline) -> StoryReport:
    """Run the articles through `pipeline` in order and compare with the gold labels."""
    placed_in: dict[str, str] = {}
    truth: dict[str, str] = {}
    found_copies: dict[str, str] = {}
    gold_copies: dict[str, str] = {}
    by_article_id: dict[str, str] = {}
    margins = Margins()
    assisted = {
        "no_wrong_join": GoldAssisted(pipeline.desk.clusterer.renewed(), veto=True),
        "no_split": GoldAssisted(pipeline.desk.clusterer.renewed(), rescue=True),
    }

    async def run_all() -> None:
        for item in gold:
            placed = await pipeline.place(item.article)
            outcome = placed.article
            truth[item.id] = item.story
            by_article_id[item.article.id] = item.id
            placed_in[item.id] = outcome.story_id or ""
            margins.observe(item.story, placed)
            if placed.error is None:
                features = pipeline.desk.features(outcome, datetime.now(UTC))
                for run in assisted.values():
                    run.observe(item.id, item.story, features)
            if item.duplicate_of:
                gold_copies[item.id] = item.duplicate_of
            if outcome.duplicate_of is not None:
                found_copies[item.id] = by_article_id.get(
                    outcome.duplicate_of, outcome.duplicate_of
                )

    asyncio.run(run_all())
    # An article's story is where its story went after every merge.
    predicted = {
        item: follow_merges(story, pipeline.state.merged.get) for item, story in placed_in.items()
    }
    right = sum(1 for k, v in found_copies.items() if gold_copies.get(k) == v)
    return StoryReport(
        articles=len(truth),
        gold_stories=len(set(truth.values())),
        predicted_stories=len(set(predicted.values())),
        bcubed=bcubed(predicted, truth),
        pairwise=pairwise(predicted, truth),
        duplicates=_prf(right, len(found_copies), len(gold_copies)) if gold_copies else None,
        margins=margins.figures(),
        limits=_limits(assisted, truth),
        mistakes=_mistakes(predicted, truth),
    )
