"""`newswire stats` and `newswire tail` against a real Redis."""

from __future__ import annotations

import json

import pytest
from redis import Redis
from typer.testing import CliRunner

from newswire.cli import app
from shared.settings import Settings
from shared.streams import STORE_GROUP
from tests.helpers import enriched_article

pytestmark = pytest.mark.integration


def _publish(client: Redis, settings: Settings, *ids: str) -> None:
    for article_id in ids:
        event = enriched_article(article_id, title=f"Headline {article_id}")
        client.xadd(settings.streams.enriched, {"__data__": event.model_dump_json()})


def test_stats_counts_lengths_lag_pending_and_rows(settings: Settings, sync_redis: Redis) -> None:
    _publish(sync_redis, settings, "a1", "a2", "a3")
    sync_redis.xgroup_create(settings.streams.enriched, STORE_GROUP, id="0")
    sync_redis.xreadgroup(STORE_GROUP, "c1", {settings.streams.enriched: ">"}, count=1)

    result = CliRunner().invoke(app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    by_name = {s["stream"]: s for s in document["streams"]}
    enriched = by_name[settings.streams.enriched]
    assert enriched["length"] == 3
    assert enriched["groups"] == [{"name": STORE_GROUP, "consumers": 1, "pending": 1, "lag": 2}]
    assert by_name[settings.streams.raw] == {
        "stream": settings.streams.raw,
        "length": 0,
        "groups": [],
    }
    assert document["dead_letters"] == 0
    assert document["rows_stored"] == 0

    table = CliRunner().invoke(app, ["stats"])
    assert table.exit_code == 0
    assert "rows stored: 0" in table.output


def test_tail_prints_events_as_json_or_pretty(settings: Settings, sync_redis: Redis) -> None:
    _publish(sync_redis, settings, "t1", "t2")
    as_json = CliRunner().invoke(app, ["tail", "--json", "--from-start", "--count", "2"])
    assert as_json.exit_code == 0, as_json.output
    assert [json.loads(line)["id"] for line in as_json.output.splitlines()] == ["t1", "t2"]

    pretty = CliRunner().invoke(app, ["tail", "--from-start", "--count", "1"])
    assert pretty.exit_code == 0, pretty.output
    assert "Headline t1" in pretty.output
