"""Keyphrases scored against people's choices, as the keyphrase-extraction literature does.

A predicted phrase is right when, lower-cased and with every word reduced to its Porter
(Snowball English) stem, it equals one of the gold phrases reduced the same way, so "rate
cuts" matches "rate cut". Precision, recall and F1 at k (the first k predictions, in rank
order) are worked out per article and averaged over articles.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import snowballstemmer

_WORD = re.compile(r"\w+", re.UNICODE)


@cache
def _stemmer() -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("english")


def normalised(phrase: str) -> str:
    """The phrase's words, lower-cased and stemmed, joined by single spaces."""
    words = _WORD.findall(phrase.lower())
    return " ".join(_stemmer().stemWords(words))


@dataclass(frozen=True, slots=True)
class AtK:
    """Mean precision, recall and F1 at one cut-off."""

    k: int
    precision: float
    recall: float
    f1: float


def score_at(predicted: Sequence[Sequence[str]], gold: Sequence[Iterable[str]], k: int) -> AtK:
    """P, R and F1 at `k`, averaged over articles (`predicted[n]` ranked, `gold[n]` a set)."""
    precisions, recalls, f1s = [], [], []
    for ranked, chosen in zip(predicted, gold, strict=True):
        wanted = {normalised(p) for p in chosen} - {""}
        top = list(dict.fromkeys(normalised(p) for p in ranked))[:k]
        right = sum(1 for p in top if p in wanted)
        precision = right / len(top) if top else 0.0
        recall = right / len(wanted) if wanted else 0.0
        total = precision + recall
        precisions.append(precision)
        recalls.append(recall)
        f1s.append(2 * precision * recall / total if total else 0.0)
    count = len(f1s) or 1
    return AtK(k, sum(precisions) / count, sum(recalls) / count, sum(f1s) / count)


CUTS = (5, 10)


@dataclass(frozen=True, slots=True)
class KeyphraseReport:
    """Keyphrase figures on one part of a public set: the keyphrases as ranked, and (a
    diagnostic, since the annotators also chose names) the keyphrases followed by the
    article's entity names in salience order."""

    name: str
    documents: int
    keyphrases: tuple[AtK, ...]
    with_names: tuple[AtK, ...]

    def figures(self) -> dict[str, float | int]:
        """Flat figures for JSON and tables."""
        found: dict[str, float | int] = {"documents": self.documents}
        for label, scores in (("keyphrases", self.keyphrases), ("with_names", self.with_names)):
            for s in scores:
                found[f"{label}_p@{s.k}"] = round(s.precision, 3)
                found[f"{label}_r@{s.k}"] = round(s.recall, 3)
                found[f"{label}_f1@{s.k}"] = round(s.f1, 3)
        return found


def keyphrase_report(
    name: str,
    keyphrases: Sequence[Sequence[str]],
    names: Sequence[Sequence[str]],
    gold: Sequence[Iterable[str]],
) -> KeyphraseReport:
    """Scores at every cut of `CUTS` for one part: each article's ranked keyphrases, its
    entity names (salience order) and its gold phrases."""
    joined = [[*k, *n] for k, n in zip(keyphrases, names, strict=True)]
    return KeyphraseReport(
        name,
        len(gold),
        tuple(score_at(keyphrases, gold, k) for k in CUTS),
        tuple(score_at(joined, gold, k) for k in CUTS),
    )
