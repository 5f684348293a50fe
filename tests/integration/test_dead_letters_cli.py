"""`newswire dead-letters list|retry` against a real Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import cast

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from typer.testing import CliRunner

from newswire.cli import app
from shared.batch import MAX_DEAD_PAYLOAD_CHARS
from shared.broker import dead_letter_stream, make_broker
from shared.schemas import DeadLetter
from shared.settings import Settings

pytestmark = pytest.mark.integration


def _dead_letter(
    client: Redis,
    settings: Settings,
    article_id: str,
    payload: str,
    fields: dict[str, str] | None = None,
) -> None:
    letter = DeadLetter(
        article_id=article_id,
        stage="enrich",
        stream=settings.streams.raw,
        entry_id="1-0",
        error="not processed after 5 deliveries; last error: boom",
        payload=payload,
        fields=fields or {},
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


def test_a_retried_entry_gets_back_every_field_it_had(
    settings: Settings, sync_redis: Redis
) -> None:
    _dead_letter(sync_redis, settings, "a1", json.dumps({"id": "a1"}), {"trace": "t-1"})
    _dead_letter(sync_redis, settings, "", "", {"title": "no data field"})
    result = CliRunner().invoke(app, ["dead-letters", "retry", "--all"])
    assert result.exit_code == 0, result.output
    raw = cast("list[tuple[bytes, dict[bytes, bytes]]]", sync_redis.xrange(settings.streams.raw))
    assert [fields for _, fields in raw] == [
        {b"trace": b"t-1", b"__data__": b'{"id": "a1"}'},
        {b"title": b"no data field"},  # it had no __data__, and gets none
    ]


async def test_the_dead_letter_stream_is_capped_near_its_setting(
    settings: Settings, redis_client: AsyncRedis
) -> None:
    capped = settings.model_copy(update={"dead_letters_maxlen": 1_000})
    broker = make_broker(capped)
    publisher = broker.publisher(stream=dead_letter_stream(capped))
    async with broker:
        await broker.start()
        for n in range(3_000):
            await publisher.publish({"n": n})
    # Approximate (MAXLEN ~): whole blocks of old entries go, so a little more may remain.
    length = await redis_client.xlen(capped.streams.dead)
    assert 1_000 <= length < 1_500
    newest = cast(
        "list[tuple[bytes, dict[bytes, bytes]]]",
        await redis_client.xrevrange(capped.streams.dead, count=1),
    )
    assert json.loads(newest[0][1][b"__data__"]) == {"n": 2_999}
