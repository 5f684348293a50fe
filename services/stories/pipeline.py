"""One article through the story logic: copy or not, enrich or reuse, then its story.

Plain Python; the NLP is handed in (`enrich`), so the evaluation harness and the services run
the same steps. A near-copy of an earlier article is not run through the NLP again: it takes
the original's entities wherever its text is the same (mentions whose offsets still point at
the same words), the original's topics and keyphrases, and the original's story.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.stories.clustering import (
    StoryClusterer,
    StoryFeatures,
    entity_vector,
    term_vector,
)
from services.stories.duplicates import DuplicateIndex
from services.stories.minhash import signature
from shared.schemas import EnrichedArticle, Entity, RawArticle

Enrich = Callable[[Sequence[RawArticle]], list[EnrichedArticle]]


@dataclass(frozen=True, slots=True)
class StoryOutcome:
    """What became of one article."""

    article: EnrichedArticle
    story_id: str
    created_story: bool
    duplicate_of: str | None
    duplicate_similarity: float | None


def _source(article: RawArticle) -> str:
    return article.outlet or article.source.name


def reuse_entities(original: EnrichedArticle, copy: RawArticle) -> tuple[Entity, ...]:
    """The original's entities, keeping only mentions whose words are the same in the copy."""
    texts = {"title": (original.title or "", copy.title or ""), "text": (original.text, copy.text)}
    kept = []
    for entity in original.entities:
        mentions = tuple(
            m
            for m in entity.mentions
            if texts[m.field][0][m.start : m.end] == texts[m.field][1][m.start : m.end]
        )
        if mentions:
            kept.append(entity.model_copy(update={"mentions": mentions, "count": len(mentions)}))
    return tuple(kept)


class StoryPipeline:
    """Copies, enrichment and stories for articles given in arrival order."""

    def __init__(
        self,
        enrich: Enrich,
        zipf: Callable[[str], float],
        *,
        clusterer: StoryClusterer | None = None,
        duplicates: DuplicateIndex | None = None,
    ) -> None:
        self._enrich = enrich
        self._zipf = zipf
        self.clusterer = clusterer or StoryClusterer()
        self.duplicates = duplicates or DuplicateIndex()
        self._enriched: dict[str, EnrichedArticle] = {}

    def process(self, article: RawArticle) -> StoryOutcome:
        """Detect a copy, enrich (or reuse), assign the story; the same answer on a replay."""
        body = signature(article.text)
        match = self.duplicates.find(article.id, body)
        if match is not None and match.original_id in self._enriched:
            original = self._enriched[match.original_id]
            enriched = EnrichedArticle(
                **article.model_dump(),
                language=original.language,
                entities=reuse_entities(original, article),
                topics=original.topics,
                keyphrases=original.keyphrases,
                model=original.model,
                enriched_at=original.enriched_at,
            )
            story_id = self.clusterer.story_of(match.original_id) or ""
            self.clusterer.join(article.id, story_id, self._features(enriched))
            created = False
        else:
            match = None
            enriched = self._enrich([article])[0]
            assignment = self.clusterer.assign(self._features(enriched))
            story_id, created = assignment.story_id, assignment.created
        self.duplicates.add(article.id, body, match.original_id if match else None)
        self._enriched.setdefault(article.id, enriched)
        return StoryOutcome(
            article=enriched,
            story_id=story_id,
            created_story=created,
            duplicate_of=match.original_id if match else None,
            duplicate_similarity=round(match.similarity, 3) if match else None,
        )

    def _features(self, article: EnrichedArticle) -> StoryFeatures:
        return StoryFeatures(
            article_id=article.id,
            at=article.published_at or article.ingested_at,
            source=_source(article),
            title=article.title,
            terms=term_vector(article.title, article.text, self._zipf),
            entities=entity_vector((e.key, e.salience) for e in article.entities),
        )
