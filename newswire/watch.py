"""`newswire stats` and `newswire tail`: what the pipeline holds, and what comes out of it."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, cast

import anyio
import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from newswire.console import err, load_settings, require_redis
from services.store.database import open_repository
from shared.redact import redact
from shared.schemas import EnrichedArticle
from shared.settings import Settings
from shared.streams import StreamStats, stream_stats

_BLOCK_MS = 1_000


async def _collect(settings: Settings) -> tuple[list[StreamStats], int | None, str | None]:
    client = Redis.from_url(require_redis(settings))
    try:
        streams = settings.streams
        found = [await stream_stats(client, s) for s in streams.all]
    finally:
        await client.aclose()
    try:
        repository = await open_repository(settings.database_url)
    except Exception as exc:
        return found, None, f"{type(exc).__name__}: {redact(str(exc))}"
    try:
        return found, await repository.count(), None
    finally:
        await repository.close()


def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Stream lengths, each consumer group's lag and pending entries, dead letters, rows stored."""
    settings = load_settings()
    found, rows, db_error = anyio.run(_collect, settings)
    if as_json:
        document = {
            "streams": [asdict(s) for s in found],
            "dead_letters": found[-1].length,
            "rows_stored": rows,
            "database_error": db_error,
        }
        print(json.dumps(document))  # noqa: T201 - the command's output
        return
    table = Table(title="newswire")
    for column in ("stream", "length", "group", "consumers", "lag", "pending"):
        table.add_column(column)
    for stream in found:
        if not stream.groups:
            table.add_row(stream.stream, str(stream.length), "-", "-", "-", "-")
        for group in stream.groups:
            lag = "?" if group.lag is None else str(group.lag)
            table.add_row(
                stream.stream,
                str(stream.length),
                group.name,
                str(group.consumers),
                lag,
                str(group.pending),
            )
    console = Console()
    console.print(table)
    console.print(f"dead letters: {found[-1].length}")
    console.print(f"rows stored: {rows}" if rows is not None else f"store unreachable: {db_error}")


def _line(article: EnrichedArticle) -> str:
    names = ", ".join(e.text for e in article.entities[:5])
    topics = ", ".join(t.label for t in article.topics[:2])
    return f"[bold]{article.title or '(no headline)'}[/bold]  {names}  [dim]{topics}[/dim]"


async def _follow(settings: Settings, as_json: bool, from_start: bool, count: int | None) -> None:
    client = Redis.from_url(require_redis(settings))
    console = Console()
    last = "0-0" if from_start else "$"
    shown = 0
    try:
        while count is None or shown < count:
            reply = await client.xread(
                {settings.streams.enriched: last}, block=_BLOCK_MS, count=100
            )
            for _, entries in cast(
                "list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]", reply
            ):
                for entry_id, fields in entries:
                    last = entry_id.decode()
                    payload = fields.get(b"__data__", b"")
                    if as_json:
                        print(payload.decode("utf-8", "replace"), flush=True)  # noqa: T201
                    else:
                        try:
                            console.print(_line(EnrichedArticle.model_validate_json(payload)))
                        except ValueError as exc:
                            err.print(f"{last}: not an enriched article: {exc}")
                    shown += 1
                    if count is not None and shown >= count:
                        return
    finally:
        await client.aclose()


def tail(
    as_json: Annotated[bool, typer.Option("--json", help="Print each event's JSON.")] = False,
    from_start: Annotated[
        bool, typer.Option("--from-start", help="Begin with the oldest event kept.")
    ] = False,
    count: Annotated[int | None, typer.Option(help="Stop after this many events.")] = None,
) -> None:
    """Follow the enriched stream (new events; Ctrl-C to stop). Reads without a group."""
    settings = load_settings()
    try:
        anyio.run(_follow, settings, as_json, from_start, count)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
