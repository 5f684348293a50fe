"""`newswire enrich`: JSON lines in, enriched JSON lines out, bad lines reported."""

from __future__ import annotations

import asyncio
import json

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
    assert all({"NATO", "Jens Stoltenberg"} <= {e.text for e in a.entities} for a in enriched)
    assert "line 2: payload is not a JSON object" in result.stderr
    assert "line 3:" in result.stderr
    assert "Field required" in result.stderr


def test_replay_without_redis_url_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = CliRunner().invoke(app, ["replay", str(SEEDS)])
    assert result.exit_code == 2
    assert "REDIS_URL is not set" in result.stderr
