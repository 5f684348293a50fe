"""`newswire feeds …`: edit the feed list, see each feed's health, poll once, OPML."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import anyio
import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from newswire.console import err, load_settings, require_redis
from services.ingest.feedlist import (
    FeedConfig,
    FeedListError,
    add_feed,
    load_feed_list,
    remove_feed,
    save_feed_list,
)
from services.ingest.feedstate import FeedState
from services.ingest.netpolicy import AddressRefused, check_literal_url
from services.ingest.opml import OpmlError, parse_opml, render_opml
from shared.logging import configure_logging
from shared.settings import Settings

feeds = typer.Typer(help="The feed list ingest polls (FEEDS_FILE) and each feed's health.")


def _load(settings: Settings) -> list[FeedConfig]:
    try:
        return load_feed_list(settings.feeds_file)
    except FeedListError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc


def _save(settings: Settings, feed_list: Sequence[FeedConfig]) -> None:
    try:
        save_feed_list(settings.feeds_file, feed_list)
    except FeedListError as exc:
        # In a container the feed list is often a mount the service user cannot write.
        folder = settings.feeds_file.parent
        err.print(
            f"[red]Not saved:[/red] {exc}. Make {folder} writable for uid {os.getuid()} "
            "(with Docker Compose: deploy/config on the host), or edit the file where it is "
            "writable.",
            soft_wrap=True,
        )
        raise typer.Exit(1) from exc


def _check_address(settings: Settings, feed: FeedConfig) -> None:
    """AddressRefused for a feed whose URL names a refused address outright."""
    check_literal_url(feed.url, allow_private=settings.feed_allow_private_networks)


@feeds.command("add")
def add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    title: Annotated[str | None, typer.Option(help="A name to show instead of the URL.")] = None,
    full_text: Annotated[
        bool, typer.Option(help="Fetch each new article's page and extract its full text.")
    ] = False,
) -> None:
    """Add a feed; the running service picks it up without a restart."""
    settings = load_settings()
    try:
        feed = FeedConfig(url=url, title=title, full_text=full_text)
        _check_address(settings, feed)
        updated = add_feed(_load(settings), feed)
    except (ValueError, AddressRefused) as exc:  # ValueError: FeedListError, ValidationError
        err.print(f"[red]Not added:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    _save(settings, updated)
    err.print(f"Added {feed.url} ({len(updated)} feeds in {settings.feeds_file})")


@feeds.command("remove")
def remove(url: Annotated[str, typer.Argument(help="The feed's URL as listed.")]) -> None:
    """Remove a feed and forget its polling state (articles already published stay)."""
    settings = load_settings()
    try:
        updated = remove_feed(_load(settings), url)
    except FeedListError as exc:
        err.print(f"[red]Not removed:[/red] {exc}")
        raise typer.Exit(1) from exc
    _save(settings, updated)
    if settings.redis_url:
        anyio.run(_forget_state, settings, url)
    err.print(f"Removed {url} ({len(updated)} feeds left)")


@feeds.command("resume")
def resume_feed(url: Annotated[str, typer.Argument(help="The paused feed's URL.")]) -> None:
    """Make a paused feed (410 Gone, too many errors) active again; it is polled at once."""
    settings = load_settings()
    require_redis(settings)
    listed = {feed.url for feed in _load(settings)}
    if url not in listed:
        err.print(f"[red]{url} is not in {settings.feeds_file}[/red]")
        raise typer.Exit(1)
    anyio.run(_resume_state, settings, url)
    err.print(f"Resumed {url}")


JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per feed and line.")]


@feeds.command("list")
def list_feeds(as_json: JsonOption = False) -> None:
    """Each feed with its health: status, last success, last error, next poll, entries."""
    settings = load_settings()
    feed_list = _load(settings)
    states: dict[str, FeedState] = {}
    if settings.redis_url:
        states = anyio.run(_load_states, settings, [feed.url for feed in feed_list])
    else:
        err.print("REDIS_URL is not set: showing the feed list without polling state.")
    _report(feed_list, states, as_json=as_json)


@feeds.command("poll")
def poll(as_json: JsonOption = False) -> None:
    """Poll every active feed once now and show the outcome; exit 1 if any feed failed."""
    from services.ingest.app import IngestService

    settings = load_settings()
    require_redis(settings)
    configure_logging(level="WARNING", json=False)
    states = anyio.run(IngestService(settings).poll_once)
    _report(_load(settings), {state.url: state for state in states}, as_json=as_json)
    if any(state.error_count for state in states):
        raise typer.Exit(1)


def _report(
    feed_list: Sequence[FeedConfig], states: dict[str, FeedState], *, as_json: bool
) -> None:
    if not as_json:
        Console().print(_health_table(feed_list, states))
        return
    for feed in feed_list:
        state = states.get(feed.url)
        health = state.model_dump(mode="json", exclude={"entry_ids", "checksum"}) if state else {}
        line = {**feed.model_dump(mode="json"), **health, "status": _status_word(state)}
        sys.stdout.write(json.dumps(line) + "\n")


@feeds.command("import-opml")
def import_opml(
    file: Annotated[Path, typer.Argument(help="An OPML file of subscriptions.")],
) -> None:
    """Add every feed of an OPML file (feeds already listed are skipped)."""
    settings = load_settings()
    try:
        imported = parse_opml(file.read_bytes())
    except (OSError, OpmlError) as exc:
        err.print(f"[red]Not imported:[/red] {exc}")
        raise typer.Exit(1) from exc
    feed_list = _load(settings)
    skipped = list(imported.skipped)
    added = already = 0
    for feed in imported.feeds:
        try:
            _check_address(settings, feed)
            feed_list = add_feed(feed_list, feed)
        except AddressRefused as exc:
            skipped.append(str(exc))
        except FeedListError:
            already += 1
        else:
            added += 1
    _save(settings, feed_list)
    for reason in skipped:
        err.print(f"skipped: {reason}")
    err.print(f"{added} feeds added, {already} already listed, {len(skipped)} skipped")


@feeds.command("export-opml")
def export_opml(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write the feed list as OPML 2.0 (feeds that moved are written at their new URL)."""
    settings = load_settings()
    feed_list = _load(settings)
    if settings.redis_url:
        states = anyio.run(_load_states, settings, [feed.url for feed in feed_list])
        feed_list = [
            feed.model_copy(update={"url": states[feed.url].fetch_url}) for feed in feed_list
        ]
    document = render_opml(feed_list)
    if output is None:
        sys.stdout.buffer.write(document)
    else:
        output.write_bytes(document)


async def _load_states(settings: Settings, urls: list[str]) -> dict[str, FeedState]:
    from services.ingest.app import feed_state_store

    async with Redis.from_url(require_redis(settings)) as client:
        return await feed_state_store(client, settings).load(urls)


async def _forget_state(settings: Settings, url: str) -> None:
    from services.ingest.app import feed_state_store

    async with Redis.from_url(require_redis(settings)) as client:
        await feed_state_store(client, settings).delete(url)


async def _resume_state(settings: Settings, url: str) -> None:
    from services.ingest.app import feed_state_store
    from services.ingest.schedule import resume

    async with Redis.from_url(require_redis(settings)) as client:
        store = feed_state_store(client, settings)
        state = (await store.load([url]))[url]
        await store.save(resume(state))


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "-"
    seconds = (value - now).total_seconds()
    ago = abs(seconds)
    amount = (
        f"{ago:.0f}s" if ago < 120 else f"{ago / 60:.0f}m" if ago < 7200 else f"{ago / 3600:.1f}h"
    )
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def _status_word(state: FeedState | None) -> str:
    if state is None:
        return "unknown"
    if state.paused_reason:
        return "paused"
    if state.last_polled_at is None:
        return "new"
    return "failing" if state.error_count else "ok"


def _status(state: FeedState | None) -> str:
    word = _status_word(state)
    if state is None or word in ("new", "unknown"):
        return word
    if state.paused_reason:
        return f"[red]paused[/red]: {state.paused_reason}"
    if state.error_count:
        return f"[yellow]failing[/yellow] ({state.error_count} in a row)"
    return "[green]ok[/green]" + (f" (warning: {state.last_warning})" if state.last_warning else "")


def _health_table(feed_list: Sequence[FeedConfig], states: dict[str, FeedState]) -> Table:
    now = datetime.now(UTC)
    table = Table(show_lines=False)
    for column in (
        "feed",
        "status",
        "last success",
        "last error",
        "next poll",
        "entries",
        "published",
    ):
        table.add_column(column, overflow="fold")
    for feed in feed_list:
        state = states.get(feed.url)
        name = feed.title or (state.title if state else None)
        label = f"{name}\n{feed.url}" if name else feed.url
        if state and state.fetch_url != feed.url:
            label += f"\n(moved to {state.fetch_url})"
        error = (
            f"{_when(state.last_error_at, now)}: {state.last_error}"
            if state and state.last_error
            else "-"
        )
        table.add_row(
            label,
            _status(state),
            _when(state.last_success_at, now) if state else "-",
            error,
            _when(state.next_poll_at, now) if state and not state.paused else "-",
            str(state.entries_seen) if state else "-",
            str(state.published) if state else "-",
        )
    return table
