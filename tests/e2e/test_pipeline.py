"""The four services as separate processes, the way a deployment runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from redis.asyncio import Redis

from newswire.demo import wait_until_processed
from newswire.processes import running_services
from services.store.database import open_repository
from shared.schemas import EnrichedArticle
from shared.settings import Settings
from tests.conftest import ROOT, SEEDS
from tests.helpers import stream_events, stream_payloads

pytestmark = pytest.mark.e2e

REQUIRED_NAMES = {"Jens Stoltenberg", "NATO", "China", "Russia", "Ukraine"}


def _replay(settings: Settings, path: Path = SEEDS) -> list[str]:
    """Replay files with the ingest service; the ids its log says it published."""
    result = subprocess.run(
        [sys.executable, "-m", "services.ingest", "replay", str(path)],
        env={**settings.child_env(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines()]
    return [r["article_id"] for r in records if r["event"] == "article published"]


async def test_seeds_flow_through_four_processes(
    settings: Settings, redis_client: Redis, tmp_path: Path, database_url: str
) -> None:
    settings = settings.model_copy(update={"database_url": database_url})
    services = ["enrich", "stories", "store"]
    with running_services(services, settings.child_env(), tmp_path / "logs") as procs:
        ingest_traced = _replay(settings)
        first = [e["id"] for e in await stream_events(redis_client, settings.streams.raw)]
        assert ingest_traced == first  # the same article ids through all three services
        assert len(first) == 3
        stored = await wait_until_processed(settings, first, procs, timeout_s=180)
        _replay(settings)  # the same seeds again: same ids, so no new rows
        raw_ids = [e["id"] for e in await stream_events(redis_client, settings.streams.raw)]
        assert raw_ids == first + first
        await wait_until_processed(settings, first, procs, timeout_s=180)
        enriched_payloads = await stream_payloads(redis_client, settings.streams.enriched)
        # An exact copy of a seed under another URL: a duplicate, in the same story.
        copy_file = tmp_path / "copy.jsonl"
        seed_text = sorted(SEEDS.glob("*.txt"))[1].read_text()
        copy_file.write_text(
            json.dumps({"url": "https://copy.example/seed", "title": "A copy", "text": seed_text})
        )
        (copy_id,) = _replay(settings, copy_file)
        (copied,) = await wait_until_processed(settings, [copy_id], procs, timeout_s=180)
        exit_codes = [p.stop() for p in procs]

    assert exit_codes == [0, 0, 0]
    repository = await open_repository(settings.database_url)
    try:
        assert await repository.count() == 4
        (story,) = await repository.list_stories(10)
        members = await repository.story_members(story.story_id)
    finally:
        await repository.close()
    assert len(story.sources) == 4
    assert story.member_count == 4
    assert sorted(members) == sorted([*first, copy_id])
    assert {a.story_id for a in stored} == {story.story_id} == {copied.story_id}
    assert [a.duplicate_of for a in stored] == [None, None, None]  # rewrites, not copies
    assert copied.duplicate_of in first
    assert copied.duplicate_similarity is not None
    assert copied.duplicate_similarity >= 0.9
    for article in stored:
        # NATO is a form of the North Atlantic Treaty Organization where both are written.
        assert {f for e in article.entities for f in e.forms} >= REQUIRED_NAMES
    for name, event in [
        ("enrich", "article enriched"),
        ("stories", "article placed"),
        ("store", "article stored"),
    ]:
        lines = (tmp_path / "logs" / f"{name}.log").read_text().splitlines()
        records = [json.loads(line) for line in lines]  # every line is structured
        traced = [r["article_id"] for r in records if r["event"] == event]
        assert sorted(traced) == sorted([*first, *first, copy_id]), name
    # Six events went out (two replays); each is plain JSON of the enriched schema, and the
    # replay gave every article the story it had.
    assert len(enriched_payloads) == 6
    on_stream = [EnrichedArticle.model_validate_json(p) for p in enriched_payloads]
    assert {a.id for a in on_stream} == set(first)
    assert {a.story_id for a in on_stream} == {story.story_id}
