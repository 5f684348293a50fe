"""`newswire evaluate`: run the enricher over gold files and print the harness's figures."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evaluation.enrichment import Report, evaluate, evaluated_at, load_gold
from evaluation.goldfiles import inline_article
from evaluation.keyphrasedata import (
    KeyedArticle,
    load_keyphrase_manifest,
    load_keyphrase_source,
)
from evaluation.keyphrasescore import KeyphraseReport, keyphrase_report
from evaluation.nercompare import Comparison, compare
from evaluation.nerdata import AnnotatedText, load_ner_manifest, load_ner_source
from evaluation.stories import MemoryPipeline, StoryReport, evaluate_stories, load_story_gold
from evaluation.storykeys import KeyStability, LinkedItem, key_stability, load_linked_items
from evaluation.topicmetrics import Prediction, confusions, topic_figures
from evaluation.topicsources import LabelledArticle, SourceError, load_manifest, load_source
from services.enrich.enricher import Enricher
from services.enrich.nlp import NAMED_LABELS, load_pipeline
from services.stories.config import clusterer_for, story_window, time_bounds_for
from shared.english import english_zipf
from shared.schemas import EnrichedArticle, RawArticle
from shared.settings import Settings

_ENRICH_CHUNK = 256
_LOST_SHOWN = 40


@dataclass(frozen=True, slots=True)
class TopicReport:
    """Topic figures on one public labelled set, and its commonest mistakes."""

    name: str
    figures: dict[str, float | int]
    confusions: list[tuple[str, str, int]]


def make_enricher(settings: Settings) -> Enricher:
    """The enricher the service runs, with the configured pipeline and batch size."""
    return Enricher(load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size)


def run_evaluation(enricher: Enricher, files: Sequence[Path], seeds: Path) -> list[Report]:
    """One report per gold file, then one over all of them, with the service's enricher."""
    reports = []
    everything = []
    for path in files:
        gold = load_gold(path, seeds)
        enriched = enricher.enrich([item.article for item in gold])
        reports.append(evaluate(path.stem, gold, enriched))
        everything.append((gold, enriched))
    if len(files) > 1:
        all_gold = [item for gold, _ in everything for item in gold]
        all_enriched = [article for _, enriched in everything for article in enriched]
        reports.append(evaluate("all", all_gold, all_enriched))
    return reports


def _predictions(enricher: Enricher, items: Sequence[LabelledArticle]) -> list[Prediction]:
    predictions: list[Prediction] = []
    for start in range(0, len(items), _ENRICH_CHUNK):
        chunk = items[start : start + _ENRICH_CHUNK]
        articles = [inline_article(item.id, item.text, title=item.title) for item in chunk]
        predictions.extend(
            Prediction.of(item.code, [(t.code, t.score) for t in article.topics])
            for item, article in zip(chunk, enricher.enrich(articles), strict=True)
        )
    return predictions


def run_ner_evaluation(enricher: Enricher, data: Path) -> list[Comparison]:
    """The project's mentions beside the raw model's on every pinned annotated NER source
    under `data`: its tuning half, its held-out half, and all of it."""

    def project(texts: list[AnnotatedText]) -> list[EnrichedArticle]:
        articles = [inline_article(t.id, t.text) for t in texts]
        changed = [a.source.name for a, t in zip(articles, texts, strict=True) if a.text != t.text]
        if changed:  # offsets would not be the annotation's
            msg = f"ingest changed the text of {changed[:3]}"
            raise SourceError(msg)
        return enricher.enrich(articles)

    def raw(texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [
            [(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in NAMED_LABELS]
            for doc in enricher.nlp.pipe(texts)
        ]

    reports = []
    for source in load_ner_manifest():
        reports.extend(compare(source.name, load_ner_source(source, data), project, raw))
    return reports


def keyphrase_articles(source: str, keyed: Sequence[KeyedArticle]) -> list[RawArticle]:
    """The keyed articles as ingest normalises a replayed article."""
    return [inline_article(f"{source}:{a.id}", a.text, title=a.title) for a in keyed]


def enrich_all(enricher: Enricher, articles: Sequence[RawArticle]) -> list[EnrichedArticle]:
    """Every article enriched, in order, a bounded chunk at a time."""
    return [
        e
        for n in range(0, len(articles), _ENRICH_CHUNK)
        for e in enricher.enrich(articles[n : n + _ENRICH_CHUNK])
    ]


def keyphrase_reports(
    name: str,
    keyed: Sequence[KeyedArticle],
    enriched: Sequence[EnrichedArticle],
    parts: Sequence[str] = ("tune", "held-out", "all"),
) -> list[KeyphraseReport]:
    """One report per part (`tune`, `held-out` or `all`) of the keyed articles, scoring each
    one's enriched keyphrases (and entity names) against its annotators' choices."""
    reports = []
    for part in parts:
        chosen = [n for n, a in enumerate(keyed) if part in ("all", a.part)]
        reports.append(
            keyphrase_report(
                f"{name} {part}".strip(),
                [[k.text for k in enriched[n].keyphrases] for n in chosen],
                [[e.text for e in enriched[n].entities] for n in chosen],
                [keyed[n].keyphrases for n in chosen],
            )
        )
    return reports


def run_keyphrase_evaluation(enricher: Enricher, data: Path) -> list[KeyphraseReport]:
    """Keyphrases against annotators' choices on every pinned keyphrase source under `data`:
    its tuning half, its held-out half, and all of it."""
    reports = []
    for source in load_keyphrase_manifest():
        keyed = load_keyphrase_source(source, data)
        enriched = enrich_all(enricher, keyphrase_articles(source.name, keyed))
        reports.extend(keyphrase_reports(source.name, keyed, enriched))
    return reports


_KEY_SOURCE = "wcep-2025-2026"


def run_key_stability(enricher: Enricher, data: Path) -> dict[str, KeyStability]:
    """Key stability on the portal's items grouped by story (`data/wcep-2025-2026/`, the
    pinned topic source), each item enriched alone: per half of the stories and over all."""
    (source,) = [s for s in load_manifest() if s.name == _KEY_SOURCE]

    def enrich(items: list[LinkedItem]) -> list[EnrichedArticle]:
        enriched: list[EnrichedArticle] = []
        for start in range(0, len(items), _ENRICH_CHUNK):
            chunk = items[start : start + _ENRICH_CHUNK]
            enriched.extend(
                enricher.enrich(
                    [inline_article(f"{i.story}:{n}", i.text) for n, i in enumerate(chunk, start)]
                )
            )
        return enriched

    return key_stability(load_linked_items(source, data), enrich)


def print_key_stability(
    parts: Mapping[str, KeyStability], console: Console, *, details: bool
) -> None:
    """The key-stability figures per half; with `details`, the tuning half's entities that
    got two keys (the held-out half's are not listed, so nobody tunes on them)."""
    table = Table(title="Entity keys across a story's items (Current events portal 2025-2026)")
    table.add_column("figure")
    for part in parts:
        table.add_column(part, justify="right")
    figures = {part: result.figures() for part, result in parts.items()}
    for name in next(iter(figures.values())):
        table.add_row(name, *(str(figures[part][name]) for part in parts))
    console.print(table)
    if details and "tune" in parts:
        for line in parts["tune"].splits:
            console.print(line)


def print_ner_reports(reports: Sequence[Comparison], console: Console, *, details: bool) -> None:
    """Per set, the project's figures beside the raw model's."""
    for report in reports:
        figures = report.figures()
        table = Table(title=f"Entity mentions on {report.name} ({report.texts} texts)")
        table.add_column("figure")
        table.add_column("project", justify="right")
        table.add_column("raw model", justify="right")
        for name, value in figures["project"].items():
            table.add_row(name, str(value), str(figures["raw model"][name]))
        table.add_row("texts losing raw-right spans", str(report.losing_texts), "")
        console.print(table)
        if details and report.lost:
            shown = "; ".join(report.lost[:_LOST_SHOWN])
            console.print(
                f"[bold]{report.name}[/bold] raw-right, lost ({len(report.lost)}): {shown}"
            )


def run_topic_evaluation(enricher: Enricher, data: Path) -> list[TopicReport]:
    """Topic figures on every pinned public source under `data`: the held-out test split of
    each training source, and every item of each cross-source set."""
    reports = []
    for source in load_manifest():
        items = load_source(source, data)
        if source.role == "train":
            name, items = f"{source.name} (held-out)", [i for i in items if i.split == "test"]
        else:
            name = f"{source.name} (cross-source)"
        predictions = _predictions(enricher, items)
        reports.append(TopicReport(name, topic_figures(predictions), confusions(predictions)))
    return reports


@dataclass(frozen=True, slots=True)
class PublicReports:
    """The figures on public data that `newswire evaluate` was asked for (empty if not)."""

    topics: Sequence[TopicReport] = ()
    entity_mentions: Sequence[Comparison] = ()
    key_stability: Mapping[str, KeyStability] | None = None
    keyphrases: Sequence[KeyphraseReport] = ()


def print_reports(
    reports: Sequence[Report],
    public: PublicReports,
    console: Console,
    *,
    as_json: bool,
    details: bool,
) -> None:
    """Tables (figures as rows, gold files or public sets as columns), or JSON."""
    topic_reports, ner_reports = public.topics, public.entity_mentions
    stability = public.key_stability
    if as_json:
        document = {
            "evaluated_at": evaluated_at(),
            "reports": {report.name: report.figures() for report in reports},
            "topics": {report.name: report.figures for report in topic_reports},
            "entity_mentions": {report.name: report.figures() for report in ner_reports},
            "key_stability": {part: r.figures() for part, r in (stability or {}).items()},
            "keyphrases": {report.name: report.figures() for report in public.keyphrases},
        }
        console.print_json(json.dumps(document))
        return
    if public.keyphrases:
        _print_figure_table(
            "Keyphrases against annotators' choices (stemmed exact match)",
            {r.name: r.figures() for r in public.keyphrases},
            console,
        )
    if stability is not None:
        print_key_stability(stability, console, details=details)
    if ner_reports:
        print_ner_reports(ner_reports, console, details=details)
    if topic_reports:
        _print_topic_reports(topic_reports, console, details=details)
    _print_figure_table(
        "Enrichment against the gold set", {r.name: r.figures() for r in reports}, console
    )
    if details:
        for report in reports[:-1] if len(reports) > 1 else reports:
            console.print(f"[bold]{report.name}[/bold] missed: {', '.join(report.entities.missed)}")
            console.print(
                f"[bold]{report.name}[/bold] spurious: {', '.join(report.entities.spurious)}"
            )


def _print_figure_table(
    title: str, columns: Mapping[str, Mapping[str, object]], console: Console
) -> None:
    """Figures as rows, one column per report (nothing when there is no report)."""
    if not columns:
        return
    table = Table(title=title)
    table.add_column("figure")
    for name in columns:
        table.add_column(name, justify="right")
    figures = list(columns.values())
    for name in figures[0]:
        table.add_row(name, *(str(f[name]) for f in figures))
    console.print(table)


def _print_topic_reports(
    reports: Sequence[TopicReport], console: Console, *, details: bool
) -> None:
    table = Table(title="IPTC topics on public labelled news (top-level, 17 topics)")
    table.add_column("figure")
    for report in reports:
        table.add_column(report.name, justify="right")
    for name in reports[0].figures:
        table.add_row(name, *(str(r.figures[name]) for r in reports))
    console.print(table)
    if details:
        for report in reports:
            mistakes = ", ".join(f"{g} as {p} ×{n}" for g, p, n in report.confusions)
            console.print(f"[bold]{report.name}[/bold] commonest mistakes: {mistakes}")


def run_story_evaluation(
    settings: Settings, paths: Sequence[Path], seeds: Path
) -> dict[str, StoryReport]:
    """Run each story gold file through the story pipeline (the service's enricher and story
    settings; a fresh state per file), by file name."""
    enrich = make_enricher(settings).enrich
    reports = {}
    for path in paths:
        pipeline = MemoryPipeline(
            enrich,
            english_zipf,
            clusterer_for(settings),
            time_bounds_for(settings),
            # What a restarted service would load: memory bounded on a long stream.
            keep=2 * story_window(settings),
        )
        reports[path.stem] = evaluate_stories(load_story_gold(path, seeds), pipeline)
    return reports


def print_story_reports(
    reports: Mapping[str, StoryReport], console: Console, *, as_json: bool, details: bool
) -> None:
    """The figures as a table (a column per gold file), or JSON; with `details`, the
    misplaced articles."""
    if as_json:
        figures = {name: report.figures() for name, report in reports.items()}
        console.print_json(json.dumps({"evaluated_at": evaluated_at(), "stories": figures}))
        return
    table = Table(title="Stories against the gold labels, in arrival order")
    table.add_column("figure")
    for name in reports:
        table.add_column(name, justify="right")
    columns = [r.figures() for r in reports.values()]
    # Copy figures only where the gold file labels copies: "-" elsewhere.
    for name in max(columns, key=len):
        table.add_row(name, *(str(column.get(name, "-")) for column in columns))
    console.print(table)
    if details:
        for name, report in reports.items():
            for mistake in report.mistakes:
                console.print(f"{name}: {mistake}")
