from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from services.ingest.app import IngestService
from shared.settings import Settings
from tests.conftest import SEEDS
from tests.helpers import stream_events

pytestmark = pytest.mark.integration


async def test_seeds_replay_as_plain_json_events(settings: Settings, redis_client: Redis) -> None:
    report = await IngestService(settings).replay([SEEDS])

    assert report.errors == []
    events = await stream_events(redis_client, settings.streams.raw)
    assert [e["id"] for e in events] == report.published
    assert len(events) == 3
    assert all(e["schema_version"] == 1 for e in events)
    assert {e["outlet"] for e in events} == {"Washington Insider Magazine", None, "RFE/RL"}
    assert all(e["url"] is None and e["published_at"] is None for e in events)


async def test_replaying_twice_gives_the_same_ids(settings: Settings, redis_client: Redis) -> None:
    first = await IngestService(settings).replay([SEEDS])
    second = await IngestService(settings).replay([SEEDS])
    assert first.published == second.published


async def test_bad_files_are_reported_and_the_rest_published(
    settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    (tmp_path / "a_good.txt").write_text("Headline here\n\nA body that is fine.")
    (tmp_path / "b_latin1.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    (tmp_path / "c_empty.txt").write_text("   \n")
    (tmp_path / "d_huge.txt").write_text("word " * 400_000)
    (tmp_path / "e_lines.jsonl").write_text(
        '{"text": "From a JSON line.", "url": "https://news.example/x?utm_source=rss"}\n'
        "not json\n"
        '{"title": "no text"}\n'
    )

    report = await IngestService(settings).replay([tmp_path])

    errors = {Path(e.where).name: e.error for e in report.errors}
    assert "not UTF-8" in errors["b_latin1.txt"]
    assert errors["c_empty.txt"] == "article has no text"
    assert "over the 200000-byte limit" in errors["d_huge.txt"]
    assert "Invalid JSON" in errors["e_lines.jsonl:2"]
    assert "text: Field required" in errors["e_lines.jsonl:3"]
    events = await stream_events(redis_client, settings.streams.raw)
    assert [e["title"] for e in events] == ["Headline here", None]
    assert events[1]["url"] == "https://news.example/x"
