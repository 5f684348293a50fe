"""Which earlier article, if any, an article is a (near-)copy of."""

from __future__ import annotations

from dataclasses import dataclass

from services.stories.minhash import Signature

# Light edits (a new headline, a paragraph added or cut) keep most shingles; rewrites keep few.
DUPLICATE_SIMILARITY = 0.8


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """The earliest article this one copies, and how alike their texts are (Jaccard est.)."""

    original_id: str
    similarity: float


class DuplicateIndex:
    """Every article seen so far, findable by the LSH bands of its signature."""

    def __init__(self, threshold: float = DUPLICATE_SIMILARITY) -> None:
        self._threshold = threshold
        self._signatures: dict[str, Signature] = {}
        self._by_band: dict[str, list[str]] = {}
        self._original: dict[str, str] = {}

    def find(self, article_id: str, signature: Signature) -> DuplicateMatch | None:
        """The best earlier match at or above the threshold, resolved to the earliest original."""
        candidates = {
            other
            for band in signature.bands()
            for other in self._by_band.get(band, ())
            if other != article_id
        }
        best: tuple[float, str] | None = None
        for other in sorted(candidates):
            similarity = signature.similarity(self._signatures[other])
            if similarity >= self._threshold and (best is None or similarity > best[0]):
                best = (similarity, other)
        if best is None:
            return None
        similarity, other = best
        return DuplicateMatch(self._original.get(other, other), similarity)

    def add(self, article_id: str, signature: Signature, original_id: str | None = None) -> None:
        """Remember an article (a copy also remembers whose copy it is)."""
        if article_id in self._signatures:
            return
        self._signatures[article_id] = signature
        for band in signature.bands():
            self._by_band.setdefault(band, []).append(article_id)
        if original_id is not None:
            self._original[article_id] = original_id
