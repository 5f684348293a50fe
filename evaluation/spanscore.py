"""Exact-span scoring of entity mentions against annotated text, with the errors by kind.

Predicted labels (spaCy/OntoNotes) are mapped to the annotation's coarse types: PERSON → PER,
ORG → ORG, GPE/LOC/FAC → LOC; other labels (NORP, EVENT, PRODUCT, …) are not scored, and gold
MISC is not scored either (MISC mixes nationalities, events and titles that OntoNotes splits
differently). A prediction is right when its start, end and type equal a gold span's.

Each scored prediction that is not right is one error: `type` (the gold has that very span,
with another type, MISC included), `boundary` (it overlaps a gold span), or `spurious`; each
scored gold span that no prediction touches is `missed`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from evaluation.nerdata import Span

COARSE = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
SCORED = ("PER", "ORG", "LOC")
ERROR_KINDS = ("missed", "spurious", "boundary", "type")


def coarse_spans(mentions: Iterable[tuple[int, int, str]]) -> set[Span]:
    """The scored spans among (start, end, spaCy label) mentions."""
    return {Span(s, e, COARSE[label]) for s, e, label in mentions if label in COARSE}


@dataclass(slots=True)
class SpanCounts:
    """Right, predicted and gold spans per type, and errors per kind, summed over texts."""

    right: Counter[str] = field(default_factory=Counter)
    predicted: Counter[str] = field(default_factory=Counter)
    gold: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, predicted: set[Span], gold: Sequence[Span]) -> set[Span]:
        """Score one text; returns its right predictions."""
        scored_gold = {g for g in gold if g.type in SCORED}
        right = predicted & scored_gold
        by_offsets = {(g.start, g.end) for g in gold}
        for span in predicted:
            self.predicted[span.type] += 1
            if span in right:
                self.right[span.type] += 1
            elif (span.start, span.end) in by_offsets:
                self.errors["type"] += 1
            elif any(_overlap(span, g) for g in gold):
                self.errors["boundary"] += 1
            else:
                self.errors["spurious"] += 1
        for span in scored_gold:
            self.gold[span.type] += 1
            if not any(_overlap(span, p) for p in predicted):
                self.errors["missed"] += 1
        return right

    def figures(self) -> dict[str, float | int]:
        """Precision, recall and F1 per type and over all scored types, then the errors."""
        out: dict[str, float | int] = {}
        for kind in (*SCORED, "all"):
            right, predicted, gold = (
                (c.total() if kind == "all" else c[kind])
                for c in (self.right, self.predicted, self.gold)
            )
            precision = right / predicted if predicted else 0.0
            recall = right / gold if gold else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out[f"{kind} precision"] = round(precision, 3)
            out[f"{kind} recall"] = round(recall, 3)
            out[f"{kind} F1"] = round(f1, 3)
        out["gold spans"] = self.gold.total()
        for kind in ERROR_KINDS:
            out[f"errors: {kind}"] = self.errors[kind]
        return out


def _overlap(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end
