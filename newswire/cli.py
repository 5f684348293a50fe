"""The `newswire` command line."""

from __future__ import annotations

import asyncio
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
from shared.logging import configure_logging
from shared.redact import redact

app = typer.Typer(
    help="newswire: news articles in, enriched and de-duplicated news events out.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback's local variables would include the settings, and so the URLs' passwords.
    pretty_exceptions_show_locals=False,
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
        err.print(f"[red]Demo failed:[/red] {redact(str(exc))}")
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
        err.print(f"[red]{redact(str(exc))}[/red]")
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


@app.command()
def enrich(
    file: Annotated[
        str,
        typer.Argument(
            help="JSON lines: raw-article events, or replay lines (`text`, optional `title`, "
            "`outlet`, `url`, `guid`, `published_at`); '-' or nothing for standard input."
        ),
    ] = "-",
) -> None:
    """Enrich JSON lines and print enriched JSON lines (the service's code path)."""
    from newswire.enrichinput import article_of_line
    from services.enrich.enricher import Enricher
    from services.enrich.nlp import load_pipeline

    settings = load_settings()
    configure_logging(level="WARNING", json=False)
    enricher = Enricher(load_pipeline(settings.spacy_model), batch_size=settings.enrich_batch_size)
    failed = 0
    name = "<stdin>" if file == "-" else file
    with sys.stdin if file == "-" else Path(file).open(encoding="utf-8") as source:
        for batch in _json_lines(source, settings.enrich_batch_size):
            accepted = []
            for number, line in batch:
                try:
                    accepted.append(
                        article_of_line(
                            line,
                            source=name,
                            number=number,
                            max_text_bytes=settings.max_article_bytes,
                        )
                    )
                except ValueError as exc:
                    err.print(f"line {number}: {exc}")
                    failed += 1
            for article in enricher.enrich(accepted):
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
    ner_data: Annotated[
        Path | None,
        typer.Option(
            help="Folder with the annotated sets of evaluation/ner-data/sources.json checked "
            "out: also score entity mentions on them beside the raw model."
        ),
    ] = None,
    key_data: Annotated[
        Path | None,
        typer.Option(
            help="Folder with the topic source wcep-2025-2026 checked out: also measure how "
            "stable entity keys are across the items of a story."
        ),
    ] = None,
    keyphrase_data: Annotated[
        Path | None,
        typer.Option(
            help="Folder with the keyphrase sets of evaluation/keyphrase-data/sources.json "
            "checked out: also score keyphrases against the annotators' choices."
        ),
    ] = None,
) -> None:
    """Score enrichment against the gold sets (entity P/R/F1, topic accuracy); with
    --topic-data, topics on public labelled news (top-1, macro-F1, coarse groups); with
    --ner-data, entity mentions on public annotated news, project beside raw model; with
    --key-data, key stability across the items of real news stories; with --keyphrase-data,
    keyphrases on public news against people's choices (P/R/F1 at 5 and 10)."""
    from evaluation.topicsources import SourceError
    from newswire.evaluation import (
        PublicReports,
        make_enricher,
        print_reports,
        run_evaluation,
        run_key_stability,
        run_keyphrase_evaluation,
        run_ner_evaluation,
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
        ner_reports = run_ner_evaluation(enricher, ner_data) if ner_data else []
        stability = run_key_stability(enricher, key_data) if key_data else None
        keyphrases = run_keyphrase_evaluation(enricher, keyphrase_data) if keyphrase_data else []
    except SourceError as exc:
        err.print(f"Evaluation data: {exc}")
        raise typer.Exit(2) from exc
    reports = run_evaluation(enricher, files, seeds)
    console = Console()
    print_reports(
        reports,
        PublicReports(topic_reports, ner_reports, stability, keyphrases),
        console,
        as_json=as_json,
        details=details,
    )


@app.command("evaluate-stories")
def evaluate_stories_command(
    gold: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Story gold files (JSON lines in arrival order); default: the invented smoke "
            "set and the held-out parts of the public sets (those built locally, when built)."
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
    from evaluation.storydata import MANIFEST, held_out_files
    from newswire.evaluation import print_story_reports, run_story_evaluation

    settings = load_settings()
    configure_logging(level="WARNING", json=False)
    files = gold
    if not files:
        # Run elsewhere than the project folder: no manifest, and the usage error below.
        held_out, unbuilt = held_out_files() if MANIFEST.is_file() else ([], [])
        for path in unbuilt:
            err.print(f"{path} is not built: skipped (see evaluation/story-data/README.md).")
        files = [Path("evaluation/gold-stories/stories.jsonl"), *held_out]
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
