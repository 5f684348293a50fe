"""`newswire stories`: the most recent stories in the store, with their sources."""

from __future__ import annotations

from typing import Annotated

import anyio
import typer
from rich.console import Console
from rich.table import Table

from newswire.console import err, load_settings
from services.store.database import open_repository
from shared.redact import redact
from shared.schemas import StoryEvent
from shared.settings import Settings


async def _recent(settings: Settings, limit: int) -> list[StoryEvent]:
    repository = await open_repository(settings.database_url)
    try:
        return await repository.list_stories(limit)
    finally:
        await repository.close()


def stories(
    limit: Annotated[int, typer.Option(min=1, help="How many stories, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON story event a line.")] = False,
) -> None:
    """List recent stories (latest article first) with their sources and article counts."""
    settings = load_settings()
    try:
        found = anyio.run(_recent, settings, limit)
    except (OSError, RuntimeError) as exc:
        err.print(f"[red]Store unreachable:[/red] {type(exc).__name__}: {redact(str(exc))}")
        raise typer.Exit(1) from exc
    if as_json:
        for story in found:
            print(story.model_dump_json())  # noqa: T201 - the command's output
        return
    table = Table(title="Recent stories", show_lines=True)
    for column in ("Story", "Title", "Articles", "Sources", "First seen", "Last seen"):
        table.add_column(column, overflow="fold")
    for story in found:
        table.add_row(
            story.story_id,
            story.title or "(no headline)",
            str(story.member_count),
            ", ".join(story.sources),
            story.first_seen.isoformat(timespec="minutes"),
            story.last_seen.isoformat(timespec="minutes"),
        )
    Console().print(table)
    if not found:
        err.print("No stories stored yet.")
