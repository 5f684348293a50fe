"""Online story clustering: each article, in arrival order, joins a story or starts one.

An article is compared with the stories active around its time (an article within `window`):
similarity is a weighted sum of the cosine of their term vectors (words weighted by rarity in
general English, headline words double) and of their entity vectors (entity keys weighted by
salience), in the spirit of Miranda et al. (2018), with fixed weights instead of a learned
model. Candidates come from an inverted index (a story shares an entity or one of the
article's strongest words), so the cost does not grow with every story in memory.

Above `threshold` the article joins the most similar story, else it starts a new one whose id
comes from its first article's id. A story id never changes. When an article is close to two
stories that are close to each other (`merge_threshold`), the younger story is merged into the
older one: an explicit merge, after which the younger id leads to the older story.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.schemas import MAX_STORY_EVENT_MEMBERS

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Zipf 7 is "the"-level frequency: words at least that common carry no weight.
_IDF_CEILING = 7.0
_TITLE_WEIGHT = 2.0
WINDOW = timedelta(days=3)
# Chosen on the development parts of the public sets (`evaluation/story-data/`).
THRESHOLD = 0.2
MERGE_THRESHOLD = 0.5
TEXT_WEIGHT = 0.7
# The least text cosine any join needs: shared entities alone never make a story.
MIN_TEXT = 0.25
# A story remembers its latest members' vectors (this many, each cut to its strongest keys),
# so a development is compared with the last reports too, not only with the story's sum.
RECENT_MEMBERS = 3
_MEMBER_KEYS = 40
# Stories assumed before the first, holding none of an article's keys (see `_specific`).
_PRIOR_STORIES = 20
# A story's centroid keeps its strongest terms and entities only: enough to compare by, and
# bounded however many articles join.
STORY_TERMS = 300
STORY_ENTITIES = 60
# An article's strongest words used to look up candidate stories.
_LOOKUP_TERMS = 20


Vectors = tuple[dict[str, float], dict[str, float]]
"""(terms, entities)."""


def story_id_for(article_id: str) -> str:
    """The id of a story started by `article_id` (stable across runs and processes)."""
    return "story-" + hashlib.sha256(article_id.encode()).hexdigest()[:16]


def _unit(weights: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {k: v / norm for k, v in weights.items() if v > 0} if norm else {}


def _cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def _strongest(weights: Mapping[str, float], n: int) -> dict[str, float]:
    if len(weights) <= n:
        return dict(weights)
    return dict(heapq.nlargest(n, weights.items(), key=lambda kv: (kv[1], kv[0])))


def term_vector(title: str | None, text: str, zipf: Callable[[str], float]) -> dict[str, float]:
    """Unit-length word weights: uses × rarity in general English, headline words double."""
    counts: dict[str, float] = {}
    for weight, part in ((_TITLE_WEIGHT, title or ""), (1.0, text)):
        for word in _WORD.findall(part):
            key = word.casefold()
            counts[key] = counts.get(key, 0.0) + weight
    return _unit(
        {w: (1 + math.log(c)) * max(0.0, _IDF_CEILING - zipf(w)) for w, c in counts.items()}
    )


def entity_vector(saliences: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Unit-length entity weights from (entity key, salience) pairs."""
    weights: dict[str, float] = {}
    for key, salience in saliences:
        weights[key] = weights.get(key, 0.0) + salience
    return _unit(weights)


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What clustering knows of an article."""

    article_id: str
    at: datetime
    source: str
    title: str | None
    terms: Mapping[str, float]
    entities: Mapping[str, float]
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Entity key → (name, label), for reporting a story's entities."""


@dataclass
class Story:
    """A cluster of articles about one event, with running sums of their vectors."""

    id: str
    title: str | None
    first_seen: datetime
    last_seen: datetime
    version: int = 0
    member_count: int = 0
    members: list[str] = field(default_factory=list)
    """The first `MAX_STORY_EVENT_MEMBERS` article ids, in arrival order."""
    sources: list[str] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    recent: list[Vectors] = field(default_factory=list)
    """The latest members' (terms, entities), oldest first, at most `RECENT_MEMBERS`."""
    _units: list[Vectors] | None = field(default=None, init=False, repr=False, compare=False)

    def unit_vectors(self) -> list[Vectors]:
        """Unit-length (terms, entities) of the story's sum, then of each latest member. Kept
        until the story changes: every article compared with the story needs them."""
        if self._units is None:
            pairs = [(self.terms, self.entities), *self.recent]
            self._units = [(_unit(terms), _unit(entities)) for terms, entities in pairs]
        return self._units

    def add(self, article: StoryFeatures) -> None:
        """Take the article in: membership, sources, time span, vector sums, latest members."""
        self._remember(
            [(_strongest(article.terms, _MEMBER_KEYS), _strongest(article.entities, _MEMBER_KEYS))]
        )
        self._take(
            article.title,
            members=[article.article_id],
            count=1,
            sources=[article.source],
            span=(article.at, article.at),
            vectors=(article.terms, article.entities, article.names),
        )

    def absorb(self, other: Story) -> None:
        """Take in every article of `other` (a merge)."""
        self._remember(other.recent)
        self._take(
            other.title,
            members=other.members,
            count=other.member_count,
            sources=other.sources,
            span=(other.first_seen, other.last_seen),
            vectors=(other.terms, other.entities, other.names),
        )

    def _take(
        self,
        title: str | None,
        *,
        members: list[str],
        count: int,
        sources: list[str],
        span: tuple[datetime, datetime],
        vectors: tuple[Mapping[str, float], Mapping[str, float], Mapping[str, tuple[str, str]]],
    ) -> None:
        terms, entities, names = vectors
        if self.title is None:
            self.title = title  # the first headline the story gets
        room = MAX_STORY_EVENT_MEMBERS - len(self.members)
        self.members.extend(m for m in members[:room] if m not in self.members)
        self.member_count += count
        self.sources.extend(s for s in sources if s not in self.sources)
        self.first_seen = min(self.first_seen, span[0])
        self.last_seen = max(self.last_seen, span[1])
        for key, value in terms.items():
            self.terms[key] = self.terms.get(key, 0.0) + value
        for key, value in entities.items():
            self.entities[key] = self.entities.get(key, 0.0) + value
        self.terms = _strongest(self.terms, STORY_TERMS)
        self.entities = _strongest(self.entities, STORY_ENTITIES)
        self.names = {k: v for k, v in {**names, **self.names}.items() if k in self.entities}
        self.version += 1
        self._units = None

    def _remember(self, members: list[Vectors]) -> None:
        self.recent = [*self.recent, *members][-RECENT_MEMBERS:]
        self._units = None

    def lookup_keys(self) -> set[str]:
        """Index keys under which this story is found: its entities and terms."""
        return {"e " + k for k in self.entities} | {"t " + k for k in self.terms}


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where an article went: its story, whether it started it, the similarity it had, the
    stories merged into it on the way, and its similarity to each story it was compared with
    (before it joined one)."""

    story_id: str
    created: bool
    similarity: float
    merged: tuple[str, ...] = ()
    candidates: tuple[tuple[str, float], ...] = ()


class StoryClusterer:
    """Assigns articles to stories, online, in the order they are given."""

    def __init__(
        self,
        *,
        window: timedelta = WINDOW,
        threshold: float = THRESHOLD,
        merge_threshold: float = MERGE_THRESHOLD,
        text_weight: float = TEXT_WEIGHT,
        min_text: float = MIN_TEXT,
    ) -> None:
        self._window = window
        self._threshold = threshold
        self._merge_threshold = merge_threshold
        self._text_weight = text_weight
        self._min_text = min_text
        self.stories: dict[str, Story] = {}
        self._index: dict[str, set[str]] = {}
        self._swept: datetime | None = None

    def renewed(self) -> StoryClusterer:
        """A clusterer with these settings and no stories."""
        return StoryClusterer(
            window=self._window,
            threshold=self._threshold,
            merge_threshold=self._merge_threshold,
            text_weight=self._text_weight,
            min_text=self._min_text,
        )

    def restore(self, stories: Iterable[Story]) -> None:
        """Take back stories kept from an earlier run (before any article is assigned)."""
        for story in stories:
            self._keep(story)

    def _keep(self, story: Story) -> None:
        self.stories[story.id] = story
        for key in story.lookup_keys():
            self._index.setdefault(key, set()).add(story.id)

    def _drop(self, story_id: str) -> Story:
        story = self.stories.pop(story_id)
        for key in story.lookup_keys():
            holders = self._index.get(key)
            if holders is not None:
                holders.discard(story_id)
                if not holders:
                    del self._index[key]
        return story

    def _centroid_similarity(
        self, terms: Mapping[str, float], entities: Mapping[str, float], story: Story
    ) -> float:
        return self._combined((_unit(terms), _unit(entities)), story.unit_vectors()[0])

    def _combined(self, units: Vectors, their_units: Vectors) -> float:
        # Both sides unit-length already: the cosines are plain dot products.
        text = _cosine(units[0], their_units[0])
        if text < self._min_text:
            return 0.0
        people = _cosine(units[1], their_units[1])
        return self._text_weight * text + (1 - self._text_weight) * people

    def _specific(self, weights: Mapping[str, float], kind: str) -> dict[str, float]:
        # Each key weighted by how few of the stories in memory hold it: learned from the
        # stream itself (the stories are the state, so a restart learns the same), and a key
        # half the stories hold (a country, a president) cannot carry a join on its own. The
        # prior keeps a young stream (a few stories, each holding its own keys) near uniform.
        known = len(self.stories) + _PRIOR_STORIES
        return {
            k: v * math.log(known / (len(self._index.get(kind + k, ())) + 1))
            for k, v in weights.items()
        }

    def similarity(self, article: StoryFeatures, story: Story) -> float:
        """Weighted cosine of the article (its keys weighted by their specificity in the
        stream) with the story's sum and with each of its latest members; the best of these."""
        return self._score(self._probe(article), story)

    def _weighed(self, article: StoryFeatures) -> Vectors:
        return self._specific(article.terms, "t "), self._specific(article.entities, "e ")

    def _probe(self, article: StoryFeatures) -> Vectors:
        # The article as every story sees it, weighed and normalised once (the stream's
        # specificities do not change while one article is compared).
        terms, entities = self._weighed(article)
        return _unit(terms), _unit(entities)

    def _score(self, probe: Vectors, story: Story) -> float:
        return max(self._combined(probe, their) for their in story.unit_vectors())

    def _in_window(self, at: datetime, story: Story) -> bool:
        return story.first_seen - self._window <= at <= story.last_seen + self._window

    def _candidates(self, article: StoryFeatures) -> set[str]:
        keys = {"e " + k for k in article.entities}
        keys |= {"t " + k for k in _strongest(article.terms, _LOOKUP_TERMS)}
        found = set().union(*(self._index.get(key, set()) for key in keys))
        return {s for s in found if self._in_window(article.at, self.stories[s])}

    @property
    def threshold(self) -> float:
        """The least similarity a join needs."""
        return self._threshold

    def scores(self, article: StoryFeatures) -> dict[str, float]:
        """The article's similarity to each story it is compared with (the candidates)."""
        probe = self._probe(article)
        return {s: self._score(probe, self.stories[s]) for s in self._candidates(article)}

    def start(self, article: StoryFeatures) -> Story:
        """A new story of the article alone, its id from the article's."""
        story = Story(
            id=story_id_for(article.article_id),
            title=article.title,
            first_seen=article.at,
            last_seen=article.at,
        )
        self._add(story, article)
        return story

    def assign(self, article: StoryFeatures) -> Assignment:
        """Put the article in the most similar story above the threshold, or a new one."""
        candidates = self.scores(article)
        compared = tuple(sorted(candidates.items()))
        scored = sorted(
            ((score, s) for s, score in candidates.items() if score >= self._threshold),
            reverse=True,
        )
        if not scored:
            story = self.start(article)
            return Assignment(story.id, created=True, similarity=1.0, candidates=compared)
        best_score, best_id = scored[0]
        target = self.stories[best_id]
        self._add(target, article, replace=True)
        merged = []
        for _, other_id in scored[1:]:
            other = self.stories[other_id]
            if (
                self._centroid_similarity(other.terms, other.entities, target)
                >= self._merge_threshold
            ):
                survivor = self._merge(target, other)
                merged.append((other if survivor is target else target).id)
                target = survivor
        return Assignment(
            target.id,
            created=False,
            similarity=round(best_score, 4),
            merged=tuple(merged),
            candidates=compared,
        )

    def join(self, story_id: str, article: StoryFeatures) -> Assignment:
        """Put a copy into its original's story without comparing (its text is the original's)."""
        self._add(self.stories[story_id], article, replace=True)
        return Assignment(story_id, created=False, similarity=1.0)

    def _add(self, story: Story, article: StoryFeatures, *, replace: bool = False) -> None:
        if replace:
            self._drop(story.id)
        story.add(article)
        self._keep(story)
        self._forget_old(article.at)

    def _merge(self, a: Story, b: Story) -> Story:
        """Merge the younger of two stories into the older; returns the one that remains."""
        older, younger = sorted((a, b), key=lambda s: (s.first_seen, s.id))
        self._drop(older.id)
        self._drop(younger.id)
        older.absorb(younger)
        self._keep(older)
        return older

    def _forget_old(self, at: datetime) -> None:
        # Stories no article can reach any more leave memory (their kept state stays). Swept
        # when time has moved on by a tenth of the window, not on every article.
        if self._swept is not None and at < self._swept + self._window / 10:
            return
        self._swept = at
        horizon = at - 2 * self._window
        for story_id in [s.id for s in self.stories.values() if s.last_seen < horizon]:
            self._drop(story_id)

    def holds(self, story_id: str) -> bool:
        """Whether the story is in memory (reachable by new articles)."""
        return story_id in self.stories
