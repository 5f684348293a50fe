"""`newswire dead-letters list|retry` against a real Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import cast

import pytest
from redis import Redis
from typer.testing import CliRunner

from newswire.cli import app
from shared.batch import MAX_DEAD_PAYLOAD_CHARS
from shared.schemas import DeadLetter
from shared.settings import Settings

pytestmark = pytest.mark.integration


def _dead_letter(client: Redis, settings: Settings, article_id: str, payload: str) -> None:
    letter = DeadLetter(
        article_id=article_id,
        stage="enrich",
        stream=settings.streams.raw,
        entry_id="1-0",
        error="not processed after 5 deliveries; last error: boom",
        payload=payload,
        failed_at=datetime.now(UTC),
    )
    client.xadd(settings.streams.dead, {"__data__": letter.model_dump_json()})


def test_list_then_retry_one_and_all(settings: Settings, sync_redis: Redis) -> None:
    redis_client = sync_redis
    _dead_letter(redis_client, settings, "a1", json.dumps({"id": "a1"}))
    _dead_letter(redis_client, settings, "a2", json.dumps({"id": "a2"}))
    _dead_letter(redis_client, settings, "huge", "x" * MAX_DEAD_PAYLOAD_CHARS)
    runner = CliRunner()

    listed = runner.invoke(app, ["dead-letters", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["article_id"] for r in rows] == ["a1", "a2", "huge"]
    assert all(r["error"].startswith("not processed after 5") for r in rows)

    first = runner.invoke(app, ["dead-letters", "retry", rows[0]["dead_letter_id"]])
    assert first.exit_code == 0, first.output
    raw = cast("list[tuple[bytes, dict[bytes, bytes]]]", redis_client.xrange(settings.streams.raw))
    assert [json.loads(fields[b"__data__"]) for _, fields in raw] == [{"id": "a1"}]
    assert redis_client.xlen(settings.streams.dead) == 2

    rest = runner.invoke(app, ["dead-letters", "retry", "--all"])
    assert rest.exit_code == 1  # the cut payload cannot go back
    assert "cut at 64,000 characters" in rest.output
    assert redis_client.xlen(settings.streams.raw) == 2
    assert redis_client.xlen(settings.streams.dead) == 1

    table = runner.invoke(app, ["dead-letters", "list"])
    assert table.exit_code == 0
    assert "1 dead letters" in table.output

    unknown = runner.invoke(app, ["dead-letters", "retry", "9-9"])
    assert unknown.exit_code == 1
    assert "no such dead letter" in unknown.output
    assert runner.invoke(app, ["dead-letters", "retry"]).exit_code == 2
