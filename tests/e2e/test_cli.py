"""`newswire enrich`: JSON lines in, enriched JSON lines out, bad lines reported."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newswire.cli import app
from services.ingest.entry import SourceEntry
from services.ingest.files import read_files
from services.ingest.normalise import normalise
from shared.schemas import MAX_TEXT_CHARS, EnrichedArticle, RawArticle
from tests.conftest import SEEDS


async def _seed_articles() -> list[RawArticle]:
    return [
        normalise(entry, max_text_bytes=MAX_TEXT_CHARS)
        async for entry in read_files([SEEDS])
        if isinstance(entry, SourceEntry)
    ]


def test_enrich_prints_one_enriched_line_per_valid_input_line() -> None:
    seeds = asyncio.run(_seed_articles())
    lines = [a.model_dump_json() for a in seeds]
    lines.insert(1, "this is not json")
    lines.insert(2, json.dumps({"schema_version": 1, "id": "no-text"}))

    result = CliRunner().invoke(app, ["enrich", "-"], input="\n".join(lines) + "\n")

    assert result.exit_code == 1
    enriched = [EnrichedArticle.model_validate_json(line) for line in result.stdout.splitlines()]
    assert [a.id for a in enriched] == [a.id for a in seeds]
    forms = [{f for e in a.entities for f in e.forms} for a in enriched]
    assert all({"NATO", "Jens Stoltenberg"} <= found for found in forms)
    assert "line 2: payload is not a JSON object" in result.stderr
    assert "line 3:" in result.stderr
    assert "Field required" in result.stderr


def test_enrich_reads_the_replay_shape_with_replays_defaults(tmp_path: Path) -> None:
    line = {
        "title": "Talks in Oslo",
        "text": (
            "Jens Stoltenberg met the prime minister in Oslo on Tuesday to talk about the budget.\n"
        ),
    }
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps({"title": "no text"}) + "\n")
    replayed = [e for e in asyncio.run(_entries(path)) if isinstance(e, SourceEntry)]
    expected = normalise(replayed[0], max_text_bytes=MAX_TEXT_CHARS)

    result = CliRunner().invoke(app, ["enrich", str(path)])

    assert result.exit_code == 1
    (enriched,) = [EnrichedArticle.model_validate_json(x) for x in result.stdout.splitlines()]
    assert (enriched.id, enriched.title, enriched.source) == (
        expected.id,
        "Talks in Oslo",
        expected.source,
    )
    assert "Jens Stoltenberg" in {e.text for e in enriched.entities}
    assert "line 2: missing `text`" in result.stderr
    assert "schema_version" in result.stderr  # names the other shape it could have been


async def _entries(path: Path) -> list[object]:
    return [entry async for entry in read_files([path])]


def test_replay_without_redis_url_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = CliRunner().invoke(app, ["replay", str(SEEDS)])
    assert result.exit_code == 2
    assert "REDIS_URL is not set" in result.stderr
