"""Figures for topic classification: accuracy, macro-F1, the four coarse groups, calibration.

Each article has one gold IPTC top-level code and the topics the system reported (best first,
possibly none). Top-1 accuracy counts the first reported topic; macro-F1 is over the topics
the gold set has (single-label: the first reported topic is the prediction, none is a miss);
coarse accuracy maps gold and prediction onto four groups (politics, world and conflict;
sport; economy; science and technology) and counts articles whose gold is in one of them.
Calibration: expected calibration error of the first topic's score over ten equal-width bins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

COARSE_GROUPS = {
    "medtop:11000000": "politics, world and conflict",
    "medtop:16000000": "politics, world and conflict",
    "medtop:15000000": "sport",
    "medtop:04000000": "economy",
    "medtop:13000000": "science and technology",
}
_BINS = 10


@dataclass(frozen=True, slots=True)
class Prediction:
    """One article's gold code and what the system reported."""

    gold: str
    predicted: tuple[str, ...]
    """Reported codes, best first."""
    score: float | None
    """The first reported topic's score."""

    @classmethod
    def of(cls, gold: str, reported: Sequence[tuple[str, float]]) -> Prediction:
        """From the reported (code, score) pairs, best first."""
        return cls(gold, tuple(code for code, _ in reported), reported[0][1] if reported else None)


def _round(value: float) -> float:
    return round(value, 3)


def macro_f1(predictions: Sequence[Prediction]) -> float:
    """Mean F1 over the gold topics present; the first reported topic is the prediction."""
    golds = sorted({p.gold for p in predictions})
    true_positive: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    for p in predictions:
        first = p.predicted[0] if p.predicted else None
        if first is not None:
            predicted[first] += 1
            true_positive[first] += first == p.gold
    support = Counter(p.gold for p in predictions)
    scores = []
    for code in golds:
        precision = true_positive[code] / predicted[code] if predicted[code] else 0.0
        recall = true_positive[code] / support[code]
        total = precision + recall
        scores.append(2 * precision * recall / total if total else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def calibration_error(predictions: Sequence[Prediction]) -> float:
    """Expected calibration error of the first topic's score (articles with a topic)."""
    scored = [(p.score, p.predicted[0] == p.gold) for p in predictions if p.score is not None]
    if not scored:
        return 0.0
    bins: dict[int, list[tuple[float, bool]]] = {}
    for score, right in scored:
        bins.setdefault(min(int(score * _BINS), _BINS - 1), []).append((score, right))
    error = 0.0
    for members in bins.values():
        confidence = sum(s for s, _ in members) / len(members)
        accuracy = sum(r for _, r in members) / len(members)
        error += len(members) / len(scored) * abs(confidence - accuracy)
    return error


def topic_figures(predictions: Sequence[Prediction]) -> dict[str, float | int]:
    """Every figure of one labelled set, by name."""
    count = len(predictions)
    top1 = sum(bool(p.predicted) and p.predicted[0] == p.gold for p in predictions)
    coarse = [p for p in predictions if p.gold in COARSE_GROUPS]
    coarse_right = sum(
        bool(p.predicted) and COARSE_GROUPS.get(p.predicted[0]) == COARSE_GROUPS[p.gold]
        for p in coarse
    )
    return {
        "articles": count,
        "gold_topics": len({p.gold for p in predictions}),
        "top1_accuracy": _round(top1 / count) if count else 0.0,
        "macro_f1": _round(macro_f1(predictions)),
        "coarse_articles": len(coarse),
        "coarse_accuracy": _round(coarse_right / len(coarse)) if coarse else 0.0,
        "no_topic_share": _round(sum(not p.predicted for p in predictions) / count)
        if count
        else 0.0,
        "topics_per_article": _round(sum(len(p.predicted) for p in predictions) / count)
        if count
        else 0.0,
        "calibration_error": _round(calibration_error(predictions)),
    }


def confusions(predictions: Sequence[Prediction], most: int = 8) -> list[tuple[str, str, int]]:
    """The commonest (gold, predicted first topic) mistakes."""
    mistakes = Counter(
        (p.gold, p.predicted[0] if p.predicted else "none")
        for p in predictions
        if not p.predicted or p.predicted[0] != p.gold
    )
    return [(gold, predicted, n) for (gold, predicted), n in mistakes.most_common(most)]
