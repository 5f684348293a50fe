"""The `newswire` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console

from newswire.console import err, load_settings, require_redis
from newswire.deadletters import dead_letters
from newswire.demo import DemoError, run_demo
from newswire.feeds import feeds
from newswire.storylist import stories
from newswire.watch import stats, tail
from shared.batch import split_batch
from shared.logging import configure_logging
from shared.schemas import RawArticle

app = typer.Typer(
    help="newswire: news articles in, enriched and de-duplicated news events out.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(feeds, name="feeds")
app.add_typer(dead_letters, name="dead-letters")


@app.command()
def demo(
    seeds: Annotated[Path, typer.Option(help="Folder of seed articles.")] = Path("seeds"),
    logs: Annotated[Path, typer.Option(help="Where the services write their logs.")] = Path(
        "var/logs"
    ),
) -> None:
    """Run the whole pipeline over the seed articles and print what was stored.

    Without REDIS_URL an embedded Redis-compatible server is started and stopped; without
    DATABASE_URL the store is the SQLite file var/newswire.sqlite3.
    """
    settings = load_settings()
    configure_logging(level="WARNING", json=False)
    try:
        run_demo(settings, seeds, logs, Console())
    except DemoError as exc:
        err.print(f"[red]Demo failed:[/red] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def up(
    logs: Annotated[Path, typer.Option(help="Where the services write their logs.")] = Path(
        "var/logs"
    ),
    feeds: Annotated[bool, typer.Option(help="Also run the feed poller over FEEDS_FILE.")] = True,
) -> None:
    """Run enrich, store and the feed poller as one group of processes until Ctrl-C.

    Without REDIS_URL an embedded Redis-compatible server is started (and stopped at the end);
    without DATABASE_URL the store is the SQLite file var/newswire.sqlite3.
    """
    from newswire.up import UpError, run_up

    settings = load_settings()
    try:
        run_up(settings, logs, Console(), feeds=feeds)
    except UpError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def replay(
    paths: Annotated[list[Path], typer.Argument(help="Article files (.txt, .jsonl) or folders.")],
) -> None:
    """Publish article files to the raw stream once (REDIS_URL must be set)."""
    from rich.progress import Progress

    from services.ingest.app import IngestService
    from services.ingest.files import count_entries

    settings = load_settings()
    require_redis(settings)
    configure_logging(level="WARNING", json=False)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("publishing", total=count_entries(paths))
        report = asyncio.run(
            IngestService(settings).replay(paths, progress=lambda: progress.advance(task))
        )
    for error in report.errors:
        err.print(f"{error.where}: {error.error}")
    err.print(f"{len(report.published)} published, {len(report.errors)} failed")
    if report.errors:
        raise typer.Exit(1)


def _json_lines(stream: TextIO, batch_size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(stream, start=1):
        if line.strip():
            batch.append((number, line))
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _decode_line(line: str) -> object:
    # A line that is not JSON stays text, which validation then rejects like any bad payload.
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return line


@app.command()
def enrich(
    file: Annotated[
        str, typer.Argument(help="Raw-article JSON lines; '-' or nothing for standard input.")
    ] = "-",
) -> None:
    """Enrich raw-article JSON lines and print enriched JSON lines (the service's code path)."""
    from services.enrich.enricher import Enricher
    from services.enrich.nlp import load_pipeline

    settings = load_settings()
    configure_logging(level="WARNING", json=False)
    enricher = Enricher(load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size)
    failed = 0
    with sys.stdin if file == "-" else Path(file).open(encoding="utf-8") as source:
        for batch in _json_lines(source, settings.enrich_batch_size):
            items = [_decode_line(line) for _, line in batch]
            accepted, rejected = split_batch(items, [str(n) for n, _ in batch], RawArticle)
            for bad in rejected:
                err.print(f"line {bad.entry_id}: {bad.error}")
            failed += len(rejected)
            for article in enricher.enrich([a.event for a in accepted]):
                sys.stdout.write(article.model_dump_json() + "\n")
    if failed:
        raise typer.Exit(1)


@app.command()
def evaluate(
    gold: Annotated[
        list[Path] | None,
        typer.Argument(help="Gold JSON-lines files; default: every file in evaluation/gold/."),
    ] = None,
    seeds: Annotated[Path, typer.Option(help="Folder the gold files' seed names refer to.")] = (
        Path("seeds")
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    details: Annotated[
        bool,
        typer.Option(help="Also list missed and spurious entities, and topic confusions."),
    ] = False,
    topic_data: Annotated[
        Path | None,
        typer.Option(
            help="Folder with the public topic sets of evaluation/topic-data/sources.json "
            "checked out (one folder per source): also score topics on them."
        ),
    ] = None,
) -> None:
    """Score enrichment against the gold sets (entity P/R/F1, topic accuracy) and, with
    --topic-data, topics on public labelled news (top-1, macro-F1, coarse groups)."""
    from evaluation.topicsources import SourceError
    from newswire.evaluation import (
        make_enricher,
        print_reports,
        run_evaluation,
        run_topic_evaluation,
    )

    settings = load_settings()
    configure_logging(level="WARNING", json=False)
    files = gold or sorted(Path("evaluation/gold").glob("*.jsonl"))
    if not files:
        err.print("No gold files: pass some, or run from the project folder.")
        raise typer.Exit(2)
    enricher = make_enricher(settings)
    try:
        topic_reports = run_topic_evaluation(enricher, topic_data) if topic_data else []
    except SourceError as exc:
        err.print(f"Topic data: {exc}")
        raise typer.Exit(2) from exc
    reports = run_evaluation(enricher, files, seeds)
    print_reports(reports, topic_reports, Console(), as_json=as_json, details=details)


@app.command("evaluate-stories")
def evaluate_stories_command(
    gold: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Story gold files (JSON lines in arrival order); default: the invented smoke "
            "set and the held-out parts of the public sets."
        ),
    ] = None,
    seeds: Annotated[Path, typer.Option(help="Folder the gold file's seed names refer to.")] = (
        Path("seeds")
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    details: Annotated[bool, typer.Option(help="Also list the misplaced articles.")] = False,
) -> None:
    """Score story clustering and copy detection per gold file, with the configured story
    settings: B-cubed and pairwise P/R/F1, and the similarity margins."""
    from newswire.evaluation import print_story_reports, run_story_evaluation

    settings = load_settings()
    configure_logging(level="WARNING", json=False)
    files = gold or [
        Path("evaluation/gold-stories/stories.jsonl"),
        *sorted(Path("evaluation/story-data").glob("*-heldout.jsonl")),
    ]
    missing = [f for f in files if not f.is_file()]
    if missing:
        err.print(f"No story gold file at {', '.join(map(str, missing))}.")
        raise typer.Exit(2)
    reports = run_story_evaluation(settings, files, seeds)
    print_story_reports(reports, Console(), as_json=as_json, details=details)


app.command()(tail)
app.command()(stats)
app.command()(stories)


def main() -> None:
    """Entry point of the `newswire` console script."""
    app()
