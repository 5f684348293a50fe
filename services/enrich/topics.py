"""IPTC top-level topics of an article, zero-shot, from the IPTC vocabulary's own words.

Every run of content words in the article (lemmatised, named entities left out) is looked up,
word by word and as phrases of up to the vocabulary's longest term, in the cue index built by
`services.enrich.iptc`. A matched term adds to each topic it points to:

    log2(1 + uses) × rarity × share of the term's cues on that topic × cue weight (≤ 1)

where title uses count double, rarity is how uncommon the word is in general English
(wordfreq's Zipf scale; "war" counts for more than "people"), and longer phrases count more.
A topic's score is its part of the article's total, so scores sum to at most 1. Each topic
keeps its strongest terms as evidence, with the IPTC concept each one matched.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from services.enrich.iptc import Cue, Term, TopicVocabulary
from shared.schemas import Topic, TopicEvidence

_ZIPF_CEILING = 8.0
_TITLE_WEIGHT = 2.0
# A phrase match is stronger evidence than its words alone: this much more per extra word.
_PHRASE_BONUS = 0.5
# Topics below this share are noise from incidental words; at most this many are kept.
MIN_SHARE = 0.1
MAX_TOPICS = 5
_MAX_EVIDENCE = 5
# An article needs at least this much total evidence to get any topic at all.
MIN_EVIDENCE = 1.0


@dataclass(frozen=True, slots=True)
class TermToken:
    """One content word as the article writes it, with its lemma."""

    lemma: str
    surface: str
    in_title: bool


def _occurrences(
    runs: Sequence[Sequence[TermToken]], longest: int
) -> dict[Term, list[Sequence[TermToken]]]:
    """Every n-gram (n ≤ longest) of each run, with the tokens of each use."""
    found: dict[Term, list[Sequence[TermToken]]] = {}
    for run in runs:
        lemmas = [token.lemma for token in run]
        for start in range(len(run)):
            for size in range(1, min(longest, len(run) - start) + 1):
                term = tuple(lemmas[start : start + size])
                found.setdefault(term, []).append(run[start : start + size])
    return found


def score_topics(
    runs: Sequence[Sequence[TermToken]],
    vocabulary: TopicVocabulary,
    zipf: Callable[[str], float],
) -> tuple[Topic, ...]:
    """Top-level topics over MIN_SHARE, best first, each with its evidence."""
    weights: dict[str, float] = {}
    # Evidence is kept raw and turned into events only for the topics that are reported.
    evidence: dict[str, list[tuple[float, Term, list[Sequence[TermToken]], Cue]]] = {}
    for term, uses in _occurrences(runs, vocabulary.longest_term).items():
        cues = vocabulary.cues.get(term)
        if not cues:
            continue
        used = sum(_TITLE_WEIGHT if use[0].in_title else 1.0 for use in uses)
        rarity = max(_ZIPF_CEILING - zipf(word) for word in term) / _ZIPF_CEILING
        strength = math.log2(1 + used) * rarity * (1 + _PHRASE_BONUS * (len(term) - 1))
        for top, cue in cues.items():
            gained = strength * cue.share * min(cue.weight, 1.0)
            weights[top] = weights.get(top, 0.0) + gained
            evidence.setdefault(top, []).append((gained, term, uses, cue))
    total = sum(weights.values())
    if total < MIN_EVIDENCE:
        return ()
    ranked = sorted(weights.items(), key=lambda pair: (-pair[1], pair[0]))
    return tuple(
        Topic(
            code=top,
            label=vocabulary.tops[top].name,
            score=round(weight / total, 3),
            evidence=tuple(
                TopicEvidence(
                    text=" ".join(token.surface for token in uses[0]),
                    count=len(uses),
                    concept=cue.concept.name,
                    concept_code=cue.concept.code,
                )
                for _, _, uses, cue in sorted(evidence[top], key=lambda item: -item[0])[
                    :_MAX_EVIDENCE
                ]
            ),
        )
        for top, weight in ranked[:MAX_TOPICS]
        if weight / total >= MIN_SHARE
    )
