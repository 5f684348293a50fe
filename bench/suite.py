"""`make bench`: the speed and cost of every stage in one run, against the issue's targets.

    .venv/bin/python -m bench.suite [--articles 2000] [--latency-seconds 60] [--out DIR]

1. Raw spaCy NER: `nlp.pipe` over the benchmark articles (same model and batch size as enrich),
   with only what NER needs (tok2vec + ner) and with the model's whole pipeline.
2. Enrich through Redis: the articles replayed to a stream, 1 then 2 enrich processes in one
   consumer group, timed from the replay's start to the last enriched event.
3. End to end: enrich and store processes; a burst gives the saturating rate, then articles
   are published at half that rate and each one's latency is its row's `stored_at` minus the
   event's `ingested_at` (both stamped by the services, on this machine's clock).
4. Store: `upsert_many` in batches of 64 into SQLite and into PostgreSQL.
5. Ingest: `bench.feed_ingest` (50-entry feeds: parse, normalise, publish) pinned to one core.
6. Peak memory: VmHWM of each service process (ingest: of the feed benchmark process).

Articles: `seeds/` plus the gold sets' articles (`evaluation/gold/`: kept or written for the
project), then pairs of them with their paragraphs interleaved, each with its own URL under
the reserved `.invalid` domain, so that every one is a distinct article and none a near-copy
(enrich skips the NLP for copies; section 7 measures that on its own).
7. Copies: one enrich process, a share of the articles published as they are, then exact
   copies of them under new URLs; originals and copies per second through Redis.
8. Stories: `StoryDesk.place` (state in memory) over the enriched articles, in batches of the
   stories service's size; articles placed per second.
9. Topics: `TopicClassifier.classify` alone over the articles (ms per article, one core), and
   the resident memory the loaded model adds, in a fresh process (`bench.topic_classification`).

10. Read API: `bench.api_queries` fills a throw-away PostgreSQL database with `--api-articles`
   generated articles and their stories through the store, then times each kind of query
   through the app (p95 per kind; the table shows the slowest kind's).
Writes `DIR/latest.json` and `BENCHMARKS.md`.
Uses REDIS_URL / DATABASE_URL (PostgreSQL) if set, else an embedded Valkey and the local
PostgreSQL at 127.0.0.1:5432 (skipped, and said so, if unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bench.api_queries import fill_and_query
from bench.enrich_throughput import benchmark_articles, raw_pipelines
from bench.memory import peak_rss_mb
from bench.stories_placement import placement_rate
from bench.topic_classification import classification_time, measure_memory
from newswire.processes import ServiceProcess
from services.enrich.nlp import ArticleText, load_pipeline
from services.store.database import open_repository
from shared.embedded_redis import embedded_redis
from shared.schemas import EnrichedArticle, RawArticle
from shared.settings import Settings
from tests.helpers import delete_prefix, free_port, stream_payloads

ROOT = Path(__file__).resolve().parents[1]
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STORE_BATCH = 64
API_REQUESTS = 50
_WAIT_S = 1800.0


def _paragraphs(text: str) -> list[str]:
    parts = [p for p in text.split("\n\n") if p.strip()]
    return parts if len(parts) > 1 else [s + "." for s in text.split(". ") if s.strip()]


def articles_for_bench(count: int) -> list[RawArticle]:
    """`count` distinct raw articles, none a near-copy of another (enrich would skip the NLP
    for copies): each gold article as it is, then each pair of them, the paragraphs of the two
    interleaved (as many of each), each its own URL."""
    base = benchmark_articles(count)
    pool = list({a.text: a for a in base}.values())
    pairs = [
        (pool[i], pool[(i + d) % len(pool)])
        for d in range(1, (len(pool) + 1) // 2)
        for i in range(len(pool))
    ]
    made = []
    for n in range(count):
        if n < len(pool):
            first, text = pool[n], pool[n].text
        else:
            first, second = pairs[(n - len(pool)) % len(pairs)]
            a, b = _paragraphs(first.text), _paragraphs(second.text)
            text = "\n\n".join(p for pair in zip(a, b, strict=False) for p in pair)
        made.append(
            first.model_copy(
                update={
                    "id": f"bench-{n}",
                    "url": f"https://article-{n}.bench.invalid/",
                    "text": text,
                }
            )
        )
    return made


class Services:
    """Service processes of one measurement, with their own prefix and health ports."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings = settings
        self.logs = logs
        self.procs: list[tuple[ServiceProcess, int]] = []

    def start(self, name: str, count: int = 1) -> None:
        for _ in range(count):
            port = free_port()
            env = {**self.settings.child_env(), "HEALTH_PORT": str(port), "LOG_LEVEL": "WARNING"}
            self.procs.append(
                (ServiceProcess(name, env, self.logs / f"{name}-{len(self.procs)}"), port)
            )

    async def ready(self) -> None:
        deadline = time.monotonic() + 300
        async with httpx.AsyncClient(timeout=2) as client:
            for proc, port in self.procs:
                while True:
                    if proc.exit_code is not None:
                        raise RuntimeError(f"{proc.name} exited: {proc.log_tail()}")
                    try:
                        response = await client.get(f"http://127.0.0.1:{port}/readyz")
                        if response.status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{proc.name} not ready")
                    await asyncio.sleep(0.2)

    def peak_rss_mb(self, name: str) -> float:
        return max(peak_rss_mb(p.pid) for p, _ in self.procs if p.name == name)

    def stop(self) -> None:
        for proc, _ in self.procs:
            proc.stop()


async def _publish(client: Redis, stream: str, articles: list[RawArticle]) -> None:
    # What ingest's ledger writes for a new article, stamped at the moment it is sent.
    async with client.pipeline(transaction=False) as pipe:
        for article in articles:
            stamped = article.model_copy(update={"ingested_at": datetime.now(UTC)})
            pipe.xadd(stream, {"__data__": stamped.model_dump_json()})
        await pipe.execute()


async def _added(client: Redis, stream: str) -> int:
    if not await client.exists(stream):
        return 0
    return int((await client.xinfo_stream(stream))["entries-added"])


async def _wait_for(client: Redis, stream: str, count: int) -> float:
    deadline = time.monotonic() + _WAIT_S
    while await _added(client, stream) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{stream} did not reach {count}")
        await asyncio.sleep(0.05)
    return time.perf_counter()


def raw_ner(articles: list[RawArticle], batch: int) -> dict[str, float]:
    """(1) Articles and words per second through `nlp.pipe` alone: with only what NER needs
    (tok2vec and ner, the limit), and with the model's whole pipeline."""
    texts = [ArticleText(a.title, a.text).joined for a in articles]
    words = sum(len(t.split()) for t in texts)
    seconds = {}
    for name, nlp in raw_pipelines(Settings().spacy_model).items():
        for _ in nlp.pipe(texts[:batch], batch_size=batch):
            pass
        started = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=batch):
            pass
        seconds[name] = time.perf_counter() - started
    ner_s = seconds["tok2vec+ner"]
    return {
        "articles_per_s": len(texts) / ner_s,
        "words_per_s": words / ner_s,
        "full_pipeline_articles_per_s": len(texts) / seconds["full pipeline"],
    }


async def enrich_through_redis(
    redis_url: str, articles: list[RawArticle], workers: int, logs: Path
) -> dict[str, float]:
    """(2) Articles per second with `workers` enrich processes sharing a group."""
    settings = _settings(redis_url)
    services = Services(settings, logs / f"enrich-x{workers}")
    services.start("enrich", workers)
    client = Redis.from_url(redis_url)
    try:
        await services.ready()
        started = time.perf_counter()
        await _publish(client, settings.streams.raw, articles)
        finished = await _wait_for(client, settings.streams.analysed, len(articles))
        rss = services.peak_rss_mb("enrich")
    finally:
        services.stop()
        await delete_prefix(client, settings.stream_prefix)
        await client.aclose()
    return {"articles_per_s": len(articles) / (finished - started), "peak_rss_mb": rss}


async def end_to_end(
    redis_url: str, articles: list[RawArticle], latency_s: float, logs: Path
) -> dict[str, float]:
    """(3) Saturating rate of enrich + stories + store, then latency at half of it."""
    with tempfile.TemporaryDirectory() as folder:
        settings = _settings(redis_url, database=f"sqlite:///{folder}/store.sqlite3")
        services = Services(settings, logs / "pipeline")
        services.start("enrich")
        services.start("stories")
        services.start("store")
        client = Redis.from_url(redis_url)
        try:
            await services.ready()
            burst = articles[: max(1, len(articles) // 4)]
            started = time.perf_counter()
            await _publish(client, settings.streams.raw, burst)
            await _wait_rows(settings, len(burst))
            saturating = len(burst) / (time.perf_counter() - started)
            rate = saturating / 2
            paced = articles[len(burst) :][: max(1, int(rate * latency_s))]
            began = time.perf_counter()
            for n, article in enumerate(paced):
                delay = began + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await _publish(client, settings.streams.raw, [article])
            await _wait_rows(settings, len(burst) + len(paced))
            latencies = await _latencies(settings, {a.id for a in paced})
            rss = {name: services.peak_rss_mb(name) for name in ("enrich", "stories", "store")}
        finally:
            services.stop()
            await delete_prefix(client, settings.stream_prefix)
            await client.aclose()
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {
        "saturating_articles_per_s": saturating,
        "offered_articles_per_s": rate,
        "measured_articles": len(latencies),
        "p50_s": cuts[49],
        "p95_s": cuts[94],
        "p99_s": cuts[98],
        "enrich_peak_rss_mb": rss["enrich"],
        "stories_peak_rss_mb": rss["stories"],
        "store_peak_rss_mb": rss["store"],
    }


async def _wait_rows(settings: Settings, count: int) -> None:
    repository = await open_repository(settings.database_url)
    try:
        deadline = time.monotonic() + _WAIT_S
        while await repository.count() < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"store did not reach {count} rows")
            await asyncio.sleep(0.05)
    finally:
        await repository.close()


async def _latencies(settings: Settings, ids: set[str]) -> list[float]:
    import aiosqlite

    path = settings.database_url.removeprefix("sqlite:///")
    async with aiosqlite.connect(path) as db:
        rows = await db.execute_fetchall("SELECT id, stored_at, payload FROM articles")
    latencies = []
    for article_id, stored_at, payload in rows:
        if article_id in ids:
            sent = EnrichedArticle.model_validate_json(payload).ingested_at
            latencies.append((datetime.fromisoformat(stored_at) - sent).total_seconds())
    return latencies


async def store_upserts(database_url: str, articles: list[EnrichedArticle]) -> float:
    """(4) Rows per second through `upsert_many`, STORE_BATCH at a time."""
    repository = await open_repository(database_url)
    try:
        started = time.perf_counter()
        for n in range(0, len(articles), STORE_BATCH):
            await repository.upsert_many(articles[n : n + STORE_BATCH])
        return len(articles) / (time.perf_counter() - started)
    finally:
        await repository.close()


def ingest_feeds(feeds: int) -> dict[str, float]:
    """(5) and ingest's peak memory: bench.feed_ingest pinned to one core, as a child."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.feed_ingest", "--feeds", str(feeds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}),  # noqa: PLW1509
    )
    assert process.stdout is not None
    output = process.stdout.read().decode()
    if process.wait() != 0:
        raise RuntimeError(f"bench.feed_ingest failed: {output[-2000:]}")
    figures = json.loads(output.strip().splitlines()[-1])
    return {
        "feeds_per_s": figures["feeds_per_s"],
        # Per core as the goal means it: wall time on a shared machine also counts neighbours.
        "feeds_per_cpu_s": figures["feeds_per_cpu_s"],
        "mix_feeds_per_s": figures["mix_feeds_per_s"],
        "peak_rss_mb": figures["peak_rss_mb"],
    }


def cpu_model() -> str:
    """The processor's model name as the kernel reports it: the enrich-to-raw-NER ratio
    depends on it (the token-to-vector layer and the recogniser do not scale alike)."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "processor unknown"
    for line in info.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "model name" and value.strip():
            return value.strip()
    return "processor unknown"


def _settings(redis_url: str, database: str = "sqlite:///var/bench-unused.sqlite3") -> Settings:
    return Settings(
        redis_url=redis_url,
        stream_prefix=f"bench-{uuid.uuid4().hex[:8]}",
        database_url=database,
        trim_streams=False,
        store_batch_size=STORE_BATCH,
    )


async def _postgres_url() -> str | None:
    import asyncpg

    from tests.servers import create_database

    configured = os.environ.get("DATABASE_URL", "")
    server = configured if configured.startswith("postgres") else LOCAL_POSTGRES
    try:
        return await create_database(server)
    except (OSError, asyncpg.PostgresError):
        return None


def _enriched(articles: list[RawArticle]) -> list[EnrichedArticle]:
    from services.enrich.enricher import Enricher

    return Enricher(load_pipeline(Settings().spacy_model)).enrich(articles)


async def copies_through_redis(
    redis_url: str, articles: list[RawArticle], logs: Path
) -> dict[str, float]:
    """(7) Originals, then exact copies of them under new URLs, through one enrich process."""
    settings = _settings(redis_url)
    services = Services(settings, logs / "copies")
    services.start("enrich")
    originals = articles[: max(1, len(articles) // 10)]
    copies = [
        a.model_copy(update={"id": f"{a.id}-copy", "url": f"https://copy-{a.id}.bench.invalid/"})
        for a in originals
    ]
    client = Redis.from_url(redis_url)
    try:
        await services.ready()
        started = time.perf_counter()
        await _publish(client, settings.streams.raw, originals)
        middle = await _wait_for(client, settings.streams.analysed, len(originals))
        await _publish(client, settings.streams.raw, copies)
        finished = await _wait_for(client, settings.streams.analysed, 2 * len(originals))
        found = [
            EnrichedArticle.model_validate_json(p)
            for p in await stream_payloads(client, settings.streams.analysed)
        ]
    finally:
        services.stop()
        await delete_prefix(client, settings.stream_prefix)
        await client.aclose()
    return {
        "articles": len(originals),
        "originals_per_s": len(originals) / (middle - started),
        "copies_per_s": len(copies) / (finished - middle),
        "copies_found": sum(1 for a in found if a.duplicate_of is not None),
    }


def main() -> None:
    """Run every measurement, write the JSON and the markdown table."""
    parser = argparse.ArgumentParser(prog="python -m bench.suite")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--api-articles", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--markdown", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    settings = Settings()
    articles = articles_for_bench(args.articles)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "articles": len(articles),
        "words": sum(len(f"{a.title or ''} {a.text}".split()) for a in articles),
        "enrich_batch_size": settings.enrich_batch_size,
        "store_batch_size": STORE_BATCH,
    }
    print(f"{len(articles)} articles, {results['usable_cores']} cores", flush=True)
    results["raw_ner"] = raw_ner(articles, settings.enrich_batch_size)
    print(f"raw NER: {results['raw_ner']}", flush=True)
    results["topics"] = classification_time(articles) | {"model_rss_mb": measure_memory()}
    print(f"topics: {results['topics']}", flush=True)
    with ExitStack() as stack, tempfile.TemporaryDirectory() as logs_dir:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis())
        logs = Path(logs_dir)
        for workers in (1, 2):
            key = f"enrich_redis_{workers}"
            results[key] = asyncio.run(enrich_through_redis(redis_url, articles, workers, logs))
            print(f"{key}: {results[key]}", flush=True)
        results["end_to_end"] = asyncio.run(
            end_to_end(redis_url, articles, args.latency_seconds, logs)
        )
        print(f"end to end: {results['end_to_end']}", flush=True)
        results["copies"] = asyncio.run(copies_through_redis(redis_url, articles, logs))
        print(f"copies: {results['copies']}", flush=True)
    enriched = _enriched(articles)
    results["stories"] = placement_rate(enriched, settings.stories_batch_size, settings)
    print(f"stories: {results['stories']}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        results["store_sqlite_rows_per_s"] = asyncio.run(
            store_upserts(f"sqlite:///{folder}/bench.sqlite3", enriched)
        )
    postgres = asyncio.run(_postgres_url())
    results["store_postgres_rows_per_s"] = (
        asyncio.run(store_upserts(postgres, enriched)) if postgres else None
    )
    results["api"] = (
        asyncio.run(fill_and_query(enriched, args.api_articles, API_REQUESTS)) if postgres else None
    )
    print(f"read API: {results['api']}", flush=True)
    results["ingest"] = ingest_feeds(args.feeds)
    print(
        f"store and ingest: {results['store_sqlite_rows_per_s']:.0f} / "
        f"{results['store_postgres_rows_per_s']} rows/s, {results['ingest']}",
        flush=True,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    table = render(results, " ".join(["python -m bench.suite", *sys.argv[1:]]))
    args.markdown.write_text(table + _kept_notes(args.markdown))
    print(f"wrote {args.out / 'latest.json'} and {args.markdown}")


NOTES_MARKER = "<!-- notes: kept when the table is rewritten -->"


def _kept_notes(markdown: Path) -> str:
    # The analysis under the marker is written by hand; a new run replaces only the table.
    text = markdown.read_text() if markdown.is_file() else ""
    return "\n" + text[text.index(NOTES_MARKER) :] if NOTES_MARKER in text else ""


def _api_row(api: dict[str, Any] | None) -> tuple[str, str, str]:
    if api is None:
        return ("Read API queries", "not measured: no PostgreSQL reachable", "p95 < 50 ms")
    slowest = max(api["queries"], key=lambda kind: api["queries"][kind]["p95_ms"])
    return (
        f"Read API, {len(api['queries'])} kinds of query ({api['articles']:,} articles, "
        "PostgreSQL)",
        f"slowest p95 {api['worst_p95_ms']:.1f} ms ({slowest})",
        f"p95 < {api['goal_p95_ms']:.0f} ms",
    )


def render(r: dict[str, Any], command: str) -> str:
    """BENCHMARKS.md: the table, the command and the machine."""
    raw = r["raw_ner"]["articles_per_s"]
    full = r["raw_ner"]["full_pipeline_articles_per_s"]
    one, two = r["enrich_redis_1"]["articles_per_s"], r["enrich_redis_2"]["articles_per_s"]
    e2e = r["end_to_end"]
    pg = r["store_postgres_rows_per_s"]
    copies = r["copies"]
    rows = [
        (
            "Raw spaCy NER, tok2vec + ner (the limit)",
            f"{raw:.1f} articles/s, {r['raw_ner']['words_per_s']:,.0f} words/s",
            "-",
        ),
        ("Raw spaCy, the model's whole pipeline", f"{full:.1f} articles/s", "-"),
        (
            "Enrich through Redis, 1 worker",
            f"{one:.1f} articles/s = {one / raw:.2f} × raw NER ({one / full:.2f} × whole pipeline)",
            "≥ 0.95 × raw NER",
        ),
        (
            "Enrich through Redis, 2 workers",
            f"{two:.1f} articles/s = {two / one:.2f} × 1 worker",
            "≥ 1.8 × 1 worker",
        ),
        (
            "Pipeline saturating rate (enrich + stories + store)",
            f"{e2e['saturating_articles_per_s']:.1f} articles/s",
            "-",
        ),
        (
            f"Latency ingest→stored at {e2e['offered_articles_per_s']:.1f} articles/s "
            f"({e2e['measured_articles']} articles)",
            f"p50 {e2e['p50_s']:.2f} s, p95 {e2e['p95_s']:.2f} s, p99 {e2e['p99_s']:.2f} s",
            "p99 < 0.5 s",
        ),
        (
            f"Store upserts, SQLite (batches of {r['store_batch_size']})",
            f"{r['store_sqlite_rows_per_s']:,.0f} rows/s",
            "-",
        ),
        (
            f"Store upserts, PostgreSQL (batches of {r['store_batch_size']})",
            f"{pg:,.0f} rows/s" if pg else "not measured: no PostgreSQL reachable",
            "≥ 2,000 rows/s",
        ),
        _api_row(r["api"]),
        (
            f"Enrich, exact copies ({copies['articles']} after their originals)",
            f"{copies['copies_per_s']:.1f} copies/s vs {copies['originals_per_s']:.1f} "
            f"originals/s; {copies['copies_found']} found",
            "copies far cheaper",
        ),
        (
            "Stories: placing enriched articles (in memory)",
            f"{r['stories']['articles_per_s']:,.0f} articles/s, "
            f"{r['stories']['stories_in_memory']} stories",
            "-",
        ),
        (
            "Topic classification (words, pairs, linear model), one core",
            f"{r['topics']['ms_per_article']:.2f} ms/article; the model adds "
            f"{r['topics']['model_rss_mb']:.0f} MB resident",
            "≤ 2 ms/article, ≤ +50 MB",
        ),
        (
            "Ingest, 50-entry feeds, one core",
            f"{r['ingest']['feeds_per_s']:.1f} feeds/s; "
            f"{r['ingest']['feeds_per_cpu_s']:.0f} feeds per CPU-second of the process",
            "≥ 200 feeds/s",
        ),
        (
            "Ingest, fixture-feed mix (half through feedparser), one core",
            f"{r['ingest']['mix_feeds_per_s']:.1f} feeds/s",
            "-",
        ),
        ("Peak RSS: enrich worker", f"{e2e['enrich_peak_rss_mb']:.0f} MB", "< 300 MB"),
        ("Peak RSS: stories", f"{e2e['stories_peak_rss_mb']:.0f} MB", "-"),
        ("Peak RSS: store", f"{e2e['store_peak_rss_mb']:.0f} MB", "-"),
        ("Peak RSS: ingest (feed benchmark process)", f"{r['ingest']['peak_rss_mb']:.0f} MB", "-"),
    ]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    return (
        "# Benchmarks\n\n"
        f"Produced by `{command}` (`make bench`) on {r['when']}: {r['usable_cores']} of "
        f"{r['cores']} cores usable ({r.get('cpu', 'processor not recorded')}), "
        f"{r['articles']:,} articles ({r['words']:,} words), enrich "
        f"batch {r['enrich_batch_size']}. What each line measures: `bench/suite.py`.\n\n"
        "| measurement | result | target |\n|---|---|---|\n"
        f"{table}\n"
    )


if __name__ == "__main__":
    main()
