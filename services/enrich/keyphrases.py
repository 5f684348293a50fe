"""Keyphrases: the noun phrases an article is about, scored against background English.

A phrase scores by how often the article uses it (title uses count double) times how rare its
words are in general English (wordfreq's Zipf scale, the background corpus), so "defense
spending" outranks "way". A statistical method (term frequency against a background corpus),
not a taxonomy; IPTC topics are in `topics`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shared.schemas import Keyphrase

# Zipf frequencies run from 0 (unseen) to about 8 ("the"); rarity is the distance from the top.
_ZIPF_CEILING = 8.0
_TITLE_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class PhraseOccurrence:
    """One use of a candidate phrase: its normalised key, words and the text as written."""

    key: str
    words: tuple[str, ...]
    surface: str
    in_title: bool


def score_keyphrases(
    occurrences: Sequence[PhraseOccurrence],
    zipf: Callable[[str], float],
    *,
    limit: int = 8,
) -> tuple[Keyphrase, ...]:
    """The `limit` highest-scoring phrases, scores rounded to 3 places, best first."""
    weights: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    rarity: dict[str, float] = {}
    for occ in occurrences:
        if occ.key not in rarity:
            rarity[occ.key] = sum(_ZIPF_CEILING - zipf(w) for w in occ.words) / len(occ.words)
        weights[occ.key] = weights.get(occ.key, 0.0) + (_TITLE_WEIGHT if occ.in_title else 1.0)
        forms = evidence.setdefault(occ.key, [])
        if occ.surface not in forms:
            forms.append(occ.surface)
    scored = sorted(
        ((weights[key] * rarity[key], key) for key in weights), key=lambda pair: (-pair[0], pair[1])
    )
    return tuple(
        Keyphrase(text=key, score=round(score, 3), forms=tuple(evidence[key]))
        for score, key in scored[:limit]
        if score > 0
    )
