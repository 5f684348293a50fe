"""Near-copies: which earlier article, if any, an article copies, and what it can reuse.

Plain Python. Where the index of earlier articles lives is the adapter's business (Redis for
the service, memory for the evaluation harness); both hand `choose_original` the candidates
their LSH bands found, so both decide alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.enrich.minhash import Signature
from shared.schemas import EnrichedArticle, Entity, RawArticle

# Light edits (a new headline, a paragraph added or cut) keep most shingles; rewrites keep few.
DUPLICATE_SIMILARITY = 0.8


@dataclass(frozen=True, slots=True)
class Candidate:
    """An earlier article sharing an LSH band: its arrival number, signature and original."""

    article_id: str
    seq: int
    signature: Signature
    original_id: str | None


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """The earliest article this one copies, and how alike their texts are (Jaccard est.)."""

    original_id: str
    similarity: float


def choose_original(
    signature: Signature,
    seq: int,
    candidates: Iterable[Candidate],
    threshold: float = DUPLICATE_SIMILARITY,
) -> DuplicateMatch | None:
    """The most similar article that arrived earlier (lower `seq`) at or above the threshold,
    resolved to the article it copies in turn, so a copy of a copy points at the first one."""
    best: tuple[float, int, Candidate] | None = None
    for other in candidates:
        if other.seq >= seq:
            continue
        similarity = signature.similarity(other.signature)
        # Ties go to the earlier article.
        if similarity >= threshold and (best is None or (similarity, -other.seq) > best[:2]):
            best = (similarity, -other.seq, other)
    if best is None:
        return None
    similarity, _, other = best
    return DuplicateMatch(other.original_id or other.article_id, round(similarity, 3))


class CopyIndex(Protocol):
    """Every article seen within the copy window, findable by its signature's LSH bands."""

    async def check(self, article_id: str, signature: Signature) -> DuplicateMatch | None:
        """Register the article (once; a second call answers as the first did) and return the
        earlier article it copies, if any."""
        ...

    async def check_all(
        self, articles: Sequence[tuple[str, Signature]]
    ) -> list[DuplicateMatch | None]:
        """`check` each (article id, signature) in order, as one call after another would."""
        ...

    async def remember(self, article: EnrichedArticle) -> None:
        """Keep an original's enrichment for its copies to reuse."""
        ...

    async def remember_all(self, articles: Sequence[EnrichedArticle]) -> None:
        """`remember` each article (the Redis index in one round trip)."""
        ...

    async def enrichment_of(self, article_id: str) -> EnrichedArticle | None:
        """An original's kept enrichment, if it is still kept."""
        ...


class MemoryCopyIndex:
    """A `CopyIndex` in this process's memory (the evaluation harness; tests)."""

    def __init__(self, threshold: float = DUPLICATE_SIMILARITY) -> None:
        self._threshold = threshold
        self._entries: dict[str, Candidate] = {}
        self._answers: dict[str, DuplicateMatch | None] = {}
        self._by_band: dict[str, list[str]] = {}
        self._enriched: dict[str, EnrichedArticle] = {}

    async def check(self, article_id: str, signature: Signature) -> DuplicateMatch | None:
        """See `CopyIndex.check`."""
        if article_id in self._answers:
            return self._answers[article_id]
        seq = len(self._entries) + 1
        bands = signature.bands()
        found = {self._entries[other] for band in bands for other in self._by_band.get(band, ())}
        match = choose_original(signature, seq, found, self._threshold)
        self._entries[article_id] = Candidate(
            article_id, seq, signature, match.original_id if match else None
        )
        for band in bands:
            self._by_band.setdefault(band, []).append(article_id)
        self._answers[article_id] = match
        return match

    async def check_all(
        self, articles: Sequence[tuple[str, Signature]]
    ) -> list[DuplicateMatch | None]:
        """See `CopyIndex.check_all`."""
        return [await self.check(article_id, body) for article_id, body in articles]

    async def remember(self, article: EnrichedArticle) -> None:
        """See `CopyIndex.remember`."""
        self._enriched[article.id] = article

    async def remember_all(self, articles: Sequence[EnrichedArticle]) -> None:
        """See `CopyIndex.remember_all`."""
        for article in articles:
            await self.remember(article)

    async def enrichment_of(self, article_id: str) -> EnrichedArticle | None:
        """See `CopyIndex.enrichment_of`."""
        return self._enriched.get(article_id)


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


def as_copy(
    copy: RawArticle, original: EnrichedArticle, match: DuplicateMatch, now: datetime
) -> EnrichedArticle:
    """`copy` enriched from its original: entities where the text agrees, the rest as is."""
    return EnrichedArticle(
        **copy.model_dump(),
        language=original.language,
        entities=reuse_entities(original, copy),
        topics=original.topics,
        keyphrases=original.keyphrases,
        model=original.model,
        enriched_at=now,
        duplicate_of=match.original_id,
        duplicate_similarity=match.similarity,
    )
