"""`newswire evaluate`: run the enricher over gold files and print the harness's figures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evaluation.enrichment import Report, evaluate, evaluated_at, load_gold
from evaluation.stories import MemoryPipeline, StoryReport, evaluate_stories, load_story_gold
from services.enrich.enricher import Enricher
from services.enrich.nlp import load_pipeline
from shared.english import english_zipf
from shared.settings import Settings


def run_evaluation(settings: Settings, files: Sequence[Path], seeds: Path) -> list[Report]:
    """One report per gold file, then one over all of them, with the service's enricher."""
    enricher = Enricher(load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size)
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


def print_reports(
    reports: Sequence[Report], console: Console, *, as_json: bool, details: bool
) -> None:
    """A table (figures as rows, gold files as columns), or JSON."""
    if as_json:
        document = {
            "evaluated_at": evaluated_at(),
            "reports": {report.name: report.figures() for report in reports},
        }
        console.print_json(json.dumps(document))
        return
    table = Table(title="Enrichment against the gold set")
    table.add_column("figure")
    for report in reports:
        table.add_column(report.name, justify="right")
    figures = [report.figures() for report in reports]
    for name in figures[0]:
        table.add_row(name, *(str(f[name]) for f in figures))
    console.print(table)
    if details:
        for report in reports[:-1] if len(reports) > 1 else reports:
            console.print(f"[bold]{report.name}[/bold] missed: {', '.join(report.entities.missed)}")
            console.print(
                f"[bold]{report.name}[/bold] spurious: {', '.join(report.entities.spurious)}"
            )


def run_story_evaluation(settings: Settings, path: Path, seeds: Path) -> StoryReport:
    """Run a story gold file through the story pipeline (with the service's enricher)."""
    enricher = Enricher(load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size)
    pipeline = MemoryPipeline(enricher.enrich, english_zipf)
    return evaluate_stories(load_story_gold(path, seeds), pipeline)


def print_story_report(
    report: StoryReport, console: Console, *, as_json: bool, details: bool
) -> None:
    """The figures as a table, or JSON; with `details`, the misplaced articles."""
    if as_json:
        document = {"evaluated_at": evaluated_at(), "stories": report.figures()}
        console.print_json(json.dumps(document))
        return
    table = Table(title="Stories against the gold labels")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in report.figures().items():
        table.add_row(name, str(value))
    console.print(table)
    if details:
        for mistake in report.mistakes:
            console.print(mistake)
