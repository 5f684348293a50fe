"""Online story clustering: each article, in arrival order, joins a story or starts one.

An article is compared with the stories active around its time (last seen within `window`):
similarity is a weighted sum of the cosine of their term vectors (words weighted by rarity in
general English, headline words double) and of their entity vectors (entity keys weighted by
salience), in the spirit of Miranda et al. (2018), with fixed weights instead of a learned
model. Above `threshold` it joins the most similar story, else it starts a new one whose id
comes from its first article's id. Assignments are remembered by article id, so replaying an
article gives its story again, and a story id never changes.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
# Zipf 7 is "the"-level frequency: words at least that common carry no weight.
_IDF_CEILING = 7.0
_TITLE_WEIGHT = 2.0
WINDOW = timedelta(days=3)
THRESHOLD = 0.3
TEXT_WEIGHT = 0.6


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


@dataclass
class Story:
    """A cluster of articles about one event, with running sums of their vectors."""

    id: str
    title: str | None
    first_seen: datetime
    last_seen: datetime
    members: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    terms: dict[str, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)

    def add(self, article: StoryFeatures) -> None:
        """Take the article in: membership, sources, time span and vector sums."""
        self.members.append(article.article_id)
        if article.source not in self.sources:
            self.sources.append(article.source)
        self.first_seen = min(self.first_seen, article.at)
        self.last_seen = max(self.last_seen, article.at)
        for key, value in article.terms.items():
            self.terms[key] = self.terms.get(key, 0.0) + value
        for key, value in article.entities.items():
            self.entities[key] = self.entities.get(key, 0.0) + value


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where an article went: its story, whether it started it, and the similarity it had."""

    story_id: str
    created: bool
    similarity: float


class StoryClusterer:
    """Assigns articles to stories, online, in the order they are given."""

    def __init__(
        self,
        *,
        window: timedelta = WINDOW,
        threshold: float = THRESHOLD,
        text_weight: float = TEXT_WEIGHT,
    ) -> None:
        self._window = window
        self._threshold = threshold
        self._text_weight = text_weight
        self.stories: dict[str, Story] = {}
        self._assigned: dict[str, str] = {}

    def similarity(self, article: StoryFeatures, story: Story) -> float:
        """Weighted cosine of the article with the story's centroid (text and entities)."""
        text = _cosine(article.terms, _unit(story.terms))
        entities = _cosine(article.entities, _unit(story.entities))
        return self._text_weight * text + (1 - self._text_weight) * entities

    def assign(self, article: StoryFeatures) -> Assignment:
        """Put the article in its story (the same one again if it was assigned before)."""
        known = self._assigned.get(article.article_id)
        if known is not None:
            return Assignment(known, created=False, similarity=1.0)
        best: tuple[float, str] | None = None
        for story in self.stories.values():
            if (
                abs(article.at - story.last_seen) > self._window
                and abs(article.at - story.first_seen) > self._window
            ):
                continue
            score = self.similarity(article, story)
            if score >= self._threshold and (best is None or score > best[0]):
                best = (score, story.id)
        if best is not None:
            score, story_id = best
            self.stories[story_id].add(article)
            self._assigned[article.article_id] = story_id
            return Assignment(story_id, created=False, similarity=round(score, 4))
        story = Story(
            id=story_id_for(article.article_id),
            title=article.title,
            first_seen=article.at,
            last_seen=article.at,
        )
        story.add(article)
        self.stories[story.id] = story
        self._assigned[article.article_id] = story.id
        return Assignment(story.id, created=True, similarity=1.0)

    def join(self, article_id: str, story_id: str, article: StoryFeatures) -> None:
        """Put a copy into its original's story without comparing (its text is the original's)."""
        if article_id not in self._assigned:
            self.stories[story_id].add(article)
            self._assigned[article_id] = story_id

    def story_of(self, article_id: str) -> str | None:
        """The story an article was put in, if any."""
        return self._assigned.get(article_id)
