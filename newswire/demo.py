"""`newswire demo`: the whole pipeline over the seed articles, on the embedded default."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from newswire.processes import ServiceProcess, running_services, with_redis
from services.ingest.app import IngestService
from services.store.database import open_repository
from shared.redact import redact
from shared.schemas import EnrichedArticle
from shared.settings import Settings
from shared.streams import ENRICH_GROUP, STORE_GROUP, STORIES_GROUP, group_drained

CONSUMERS = ["enrich", "stories", "store"]
TOP_KEYPHRASES = 6
TOP_ENTITIES = 10
_POLL_S = 0.5


class DemoError(RuntimeError):
    """The demo could not finish; the message says what to look at."""


async def _pipeline_drained(client: Redis, settings: Settings) -> bool:
    # Each stage acknowledges an entry only after publishing what it makes of it, so once a
    # group is drained, every event it will produce is already on the next stream.
    streams = settings.streams
    for stream, group in (
        (streams.raw, ENRICH_GROUP),
        (streams.analysed, STORIES_GROUP),
        (streams.enriched, STORE_GROUP),
        (streams.stories, STORE_GROUP),
    ):
        if not await group_drained(client, stream, group):
            return False
    return True


async def wait_until_processed(
    settings: Settings,
    ids: Sequence[str],
    services: Sequence[ServiceProcess],
    *,
    timeout_s: float,
) -> list[EnrichedArticle]:
    """Wait until both consumer groups are drained and every id is stored; fail early if a
    service exits or the time runs out."""
    wanted = set(ids)
    client = Redis.from_url(settings.require_redis_url())
    repository = await open_repository(settings.database_url)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            drained = await _pipeline_drained(client, settings)
            stored = await repository.list_articles(list(wanted))
            if drained and {a.id for a in stored} >= wanted:
                order = {article_id: n for n, article_id in enumerate(ids)}
                return sorted(stored, key=lambda a: order[a.id])
            for service in services:
                if service.exit_code is not None:
                    raise DemoError(service.exit_report())
            if time.monotonic() > deadline:
                msg = (
                    f"only {len(stored)} of {len(wanted)} articles stored after {timeout_s:.0f}s; "
                    f"see the logs in {services[0].log_path.parent}"
                )
                raise DemoError(msg)
            await asyncio.sleep(_POLL_S)
    finally:
        await repository.close()
        await client.aclose()


def _headline(article: EnrichedArticle) -> str:
    if article.title:
        return article.title
    lead = " ".join(article.text.split()[:12])
    return f"(no headline) {lead}…"


def render_table(articles: Sequence[EnrichedArticle]) -> Table:
    """Title, outlet, top entities, IPTC topics and keyphrases of each stored article."""
    table = Table(title="Stored articles", show_lines=True)
    for column in ("Title", "Outlet", "Story", "Top entities", "IPTC topics", "Keyphrases"):
        table.add_column(column, overflow="fold")
    for article in articles:
        # Entities come most salient first.
        top = article.entities[:TOP_ENTITIES]
        story = article.story_id or ""
        if article.duplicate_of:
            story += f" (copy of {article.duplicate_of})"
        table.add_row(
            _headline(article),
            article.outlet or "(not named in the text)",
            story,
            ", ".join(f"{e.text} ({e.label})" for e in top),
            ", ".join(f"{t.label} ({t.score:.2f})" for t in article.topics),
            ", ".join(k.text for k in article.keyphrases[:TOP_KEYPHRASES]),
        )
    return table


async def _replay_and_wait(
    settings: Settings, seeds: Path, services: Sequence[ServiceProcess], timeout_s: float
) -> list[EnrichedArticle]:
    report = await IngestService(settings).replay([seeds])
    if report.errors:
        details = "; ".join(f"{e.where}: {e.error}" for e in report.errors)
        msg = f"some seed files could not be published: {details}"
        raise DemoError(msg)
    if not report.published:
        msg = f"no articles found in {seeds}"
        raise DemoError(msg)
    return await wait_until_processed(settings, report.published, services, timeout_s=timeout_s)


def run_demo(
    settings: Settings, seeds: Path, log_dir: Path, console: Console, *, timeout_s: float = 300.0
) -> None:
    """Run ingest → enrich → stories → store over `seeds` and print what was stored; raise
    DemoError."""
    with ExitStack() as stack:
        settings = with_redis(settings, stack, console)
        console.print(f"Store: {redact(settings.database_url)}  Logs: {log_dir}/")
        services = stack.enter_context(running_services(CONSUMERS, settings.child_env(), log_dir))
        articles = asyncio.run(_replay_and_wait(settings, seeds, services, timeout_s))
        console.print(render_table(articles))
        stories = {a.story_id for a in articles}
        console.print(
            f"{len(articles)} articles enriched and stored, in {len(stories)} "
            f"{'story' if len(stories) == 1 else 'stories'} (`newswire stories` lists them)."
        )
        for service in services:
            if (code := service.stop()) != 0:
                msg = f"{service.name} exited with code {code} on shutdown; see {service.log_path}"
                raise DemoError(msg)
