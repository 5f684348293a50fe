"""The project's entity mentions beside the raw model's, on the same annotated texts.

The raw model is the installed spaCy pipeline run on the text as it is: its `doc.ents`. The
project is `Enricher.enrich` on the same text as an article body: each mention of each entity,
with the mention's label. Both are scored by exact span (see `spanscore`). A document "loses"
a span when the raw model had it right and the project does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from evaluation.nerdata import AnnotatedText, Span
from evaluation.spanscore import SpanCounts, coarse_spans
from shared.schemas import EnrichedArticle

RawModel = Callable[[list[str]], Iterable[list[tuple[int, int, str]]]]
"""(start, end, label) of the model's entities in each text."""
Project = Callable[[list[AnnotatedText]], list[EnrichedArticle]]


@dataclass(slots=True)
class Comparison:
    """Project and raw model scored on the same texts."""

    name: str
    texts: int = 0
    project: SpanCounts = field(default_factory=SpanCounts)
    raw: SpanCounts = field(default_factory=SpanCounts)
    lost: list[str] = field(default_factory=list)
    """`document: surface (TYPE)` for each span the raw model had right and the project not."""
    losing_texts: int = 0

    def figures(self) -> dict[str, dict[str, float | int]]:
        """The project's figures and the raw model's, by name, and the loss count."""
        return {
            "project": self.project.figures(),
            "raw model": self.raw.figures(),
            "texts": {"texts": self.texts, "texts losing raw-right spans": self.losing_texts},
        }


def project_spans(article: EnrichedArticle) -> set[Span]:
    """The scored spans of an enriched article's body mentions."""
    return coarse_spans(
        (m.start, m.end, m.label or e.label)
        for e in article.entities
        for m in e.mentions
        if m.field == "text"
    )


def compare(
    name: str, texts: Sequence[AnnotatedText], project: Project, raw: RawModel
) -> list[Comparison]:
    """Score both on `texts` (one batch for each): the tuning half, the held-out half, all."""
    parts = {part: Comparison(f"{name} {part}") for part in ("tune", "held-out", "all")}
    enriched = project(list(texts))
    raw_mentions = raw([t.text for t in texts])
    for text, article, model in zip(texts, enriched, raw_mentions, strict=True):
        mine, theirs = project_spans(article), coarse_spans(model)
        lost = sorted(theirs & set(text.spans) - mine)
        for result in (parts[text.part], parts["all"]):
            result.texts += 1
            result.project.add(mine, text.spans)
            result.raw.add(theirs, text.spans)
            result.losing_texts += bool(lost)
            result.lost.extend(f"{text.id}: {text.text[s.start : s.end]} ({s.type})" for s in lost)
    return list(parts.values())
