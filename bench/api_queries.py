"""Read API latency on a large store: each kind of query, through the app, on PostgreSQL.

    .venv/bin/python -m bench.api_queries [--articles 100000] [--requests 50]

The store is filled by `bench.store_rows` (real enriched articles repeated under generated
ids, outlets and times, grouped into stories) through the store's own repository, in a
throw-away PostgreSQL database (DATABASE_URL if it is a PostgreSQL URL, else the local
server). Then each kind of request the API serves is sent `--requests` times, with its
parameter varied where it has one (another article, entity, story, page), to the app in this
process (httpx's ASGI transport: the route, its queries and the JSON, without a network);
each request's time is taken from sending to the whole body. Prints p50, p95 and the slowest
per kind, as JSON. Not timed: the fill (printed apart) and the ANALYZE after it (autovacuum's
work on a store that filled up over time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta

import httpx

from bench.store_rows import START, fill_store, story_groups, story_id
from services.api.app import create_app
from shared.schemas import EnrichedArticle
from shared.settings import Settings

GOAL_P95_MS = 50.0


def _requests(
    templates: Sequence[EnrichedArticle], articles: Sequence[EnrichedArticle], count: int
) -> dict[str, list[str]]:
    """Per kind of query, `count` URLs to send, built from what the store holds (`articles`,
    made from `templates`: an entity's frequency among the templates is its frequency there)."""
    entities = Counter(e.key for a in templates for e in a.entities)
    topics = Counter(t.code for a in templates for t in a.topics)
    common = [key for key, _ in entities.most_common(count)]
    rare = [key for key, n in entities.items() if n == 1][:count] or common
    codes = [code for code, _ in topics.most_common()]
    step = max(1, len(articles) // count)
    picked = [articles[n * step % len(articles)] for n in range(count)]
    words = [w for a in picked for w in (a.title or "").split() if w.isalpha() and len(w) > 4]
    story_ids = [story_id(members) for members in story_groups(articles)]
    stories = [story_ids[n * len(story_ids) // count] for n in range(count)]

    def each(make: Callable[[int], str]) -> list[str]:
        return [make(n) for n in range(count)]

    day = timedelta(days=1)
    return {
        "articles (newest)": each(lambda _: "/articles?limit=50"),
        "articles by common entity": each(lambda n: f"/articles?entity={common[n % len(common)]}"),
        "articles by rare entity": each(lambda n: f"/articles?entity={rare[n % len(rare)]}"),
        "articles by topic": each(lambda n: f"/articles?topic={codes[n % len(codes)]}"),
        "articles by outlet": each(lambda n: f"/articles?outlet=Outlet%20{n % 40:02d}"),
        "articles by language": each(lambda n: f"/articles?language={('de', 'fr', 'es')[n % 3]}"),
        "articles in one day": each(
            lambda n: (
                f"/articles?since={(START + day * (n % 90)).isoformat().replace('+', '%2B')}"
                f"&until={(START + day * (n % 90 + 1)).isoformat().replace('+', '%2B')}"
            )
        ),
        "articles with a word": each(lambda n: f"/articles?q={words[n % len(words)]}"),
        "articles with a common word": each(
            lambda n: f"/articles?q={('the', 'said', 'and')[n % 3]}"
        ),
        "articles by entity and topic": each(
            lambda n: f"/articles?entity={common[n % len(common)]}&topic={codes[0]}"
        ),
        "article by id": each(lambda n: f"/articles/{picked[n].id}"),
        "stories (newest)": each(lambda _: "/stories"),
        "stories by entity": each(lambda n: f"/stories?entity={common[n % len(common)]}"),
        "stories by topic": each(lambda n: f"/stories?topic={codes[n % len(codes)]}"),
        "stories with 3+ sources": each(lambda _: "/stories?min_sources=3"),
        "story by id": each(lambda n: f"/stories/{stories[n]}"),
        "entity": each(lambda n: f"/entities/{common[n % len(common)]}"),
        "front page": each(lambda _: "/"),
    }


async def _timed(client: httpx.AsyncClient, url: str) -> float:
    started = time.perf_counter()
    response = await client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed * 1000


async def query_latencies(
    database_url: str,
    templates: Sequence[EnrichedArticle],
    articles: Sequence[EnrichedArticle],
    requests: int,
) -> dict[str, dict[str, float]]:
    """p50, p95 and max milliseconds per kind of query, against the store at `database_url`."""
    app = create_app(Settings(_env_file=None, database_url=database_url))
    results: dict[str, dict[str, float]] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            for kind, urls in _requests(templates, articles, requests).items():
                await _timed(client, urls[0])  # first use: statement preparation
                times = [await _timed(client, url) for url in urls]
                results[kind] = {
                    "p50_ms": round(statistics.median(times), 2),
                    "p95_ms": round(statistics.quantiles(times, n=20)[18], 2),
                    "max_ms": round(max(times), 2),
                }
    return results


async def _analyze(database_url: str) -> None:
    # Planner statistics, as autovacuum gathers them soon after a bulk load: without them
    # PostgreSQL guesses how many rows a word or an entity matches.
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def fill_and_query(
    templates: Sequence[EnrichedArticle], count: int, requests: int
) -> dict[str, object]:
    """Fill a throw-away PostgreSQL database with `count` articles, then time the queries."""
    from bench.suite import LOCAL_POSTGRES  # the suite imports this module: not at the top
    from tests.servers import create_database, drop_database

    configured = os.environ.get("DATABASE_URL", "")
    server = configured if configured.startswith("postgres") else LOCAL_POSTGRES
    url = await create_database(server)
    try:
        started = time.perf_counter()
        articles = await fill_store(url, templates, count)
        fill_s = time.perf_counter() - started
        await _analyze(url)
        latencies = await query_latencies(url, templates, articles, requests)
    finally:
        await drop_database(server, url)
    worst = max(r["p95_ms"] for r in latencies.values())
    return {
        "articles": count,
        "fill_s": round(fill_s, 1),
        "worst_p95_ms": worst,
        "goal_p95_ms": GOAL_P95_MS,
        "queries": latencies,
    }


def main() -> None:
    """Enrich the bench articles (templates), fill, query, print JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.api_queries")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    from bench.suite import _enriched, articles_for_bench

    templates = _enriched(articles_for_bench(600))
    print(
        json.dumps(asyncio.run(fill_and_query(templates, args.articles, args.requests)), indent=2)
    )


if __name__ == "__main__":
    main()
