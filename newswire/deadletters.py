"""`newswire dead-letters …`: what the services could not process, and sending it back."""

from __future__ import annotations

import json
from typing import Annotated

import anyio
import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from newswire.console import err, load_settings, require_redis
from shared.deadletters import (
    RetryRefused,
    StoredDeadLetter,
    list_dead_letters,
    retry_dead_letter,
)

dead_letters = typer.Typer(
    help="Entries the services could not process (newswire:articles:dead), with the reason."
)


async def _listed(limit: int) -> tuple[str, list[StoredDeadLetter]]:
    settings = load_settings()
    client = Redis.from_url(require_redis(settings))
    try:
        return settings.streams.dead, await list_dead_letters(client, settings.streams.dead, limit)
    finally:
        await client.aclose()


@dead_letters.command("list")
def list_command(
    limit: Annotated[int, typer.Option(help="Show at most this many, oldest first.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Every dead letter: its id, stage, article, when and why it failed."""
    _, letters = anyio.run(_listed, limit)
    if as_json:
        for stored in letters:
            document = {"dead_letter_id": stored.id, **stored.letter.model_dump(mode="json")}
            print(json.dumps(document, ensure_ascii=False))  # noqa: T201 - the command's output
        return
    table = Table(title=f"{len(letters)} dead letters")
    for column in ("id", "stage", "article", "failed at", "error"):
        table.add_column(column, overflow="fold")
    for stored in letters:
        letter = stored.letter
        table.add_row(
            stored.id,
            letter.stage,
            letter.article_id or "(none)",
            letter.failed_at.isoformat(timespec="seconds"),
            letter.error,
        )
    Console().print(table)


@dead_letters.command("retry")
def retry_command(
    ids: Annotated[
        list[str] | None, typer.Argument(help="Dead-letter ids (from `list`) to send back.")
    ] = None,
    retry_all: Annotated[bool, typer.Option("--all", help="Send back every dead letter.")] = False,
) -> None:
    """Publish each dead letter's payload to its stream again, and remove the dead letter."""
    if bool(ids) == retry_all:
        err.print("Give dead-letter ids or --all (not both).")
        raise typer.Exit(2)
    failed = anyio.run(_retry, ids or [], retry_all)
    if failed:
        raise typer.Exit(1)


async def _retry(ids: list[str], retry_all: bool) -> int:
    settings = load_settings()
    client = Redis.from_url(require_redis(settings))
    dead_stream = settings.streams.dead
    try:
        letters = await list_dead_letters(client, dead_stream, limit=1_000_000)
        chosen = letters if retry_all else [s for s in letters if s.id in set(ids)]
        failed = len(set(ids) - {s.id for s in chosen})
        for missing in sorted(set(ids) - {s.id for s in chosen}):
            err.print(f"{missing}: no such dead letter")
        for stored in chosen:
            try:
                new_id = await retry_dead_letter(client, dead_stream, stored)
            except RetryRefused as exc:
                err.print(f"{stored.id}: not retried: {exc}")
                failed += 1
                continue
            err.print(f"{stored.id}: sent back to {stored.letter.stream} as {new_id}")
        return failed
    finally:
        await client.aclose()
