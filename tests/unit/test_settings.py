from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings


def test_unknown_database_is_refused_without_echoing_the_url() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(database_url="mysql://user:secret@db/x")
    assert "unsupported database URL (scheme 'mysql')" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_stream_names_follow_the_prefix() -> None:
    settings = Settings(stream_prefix="news")
    assert settings.streams.raw == "news:articles:raw"
    assert settings.model_copy(update={"stream_prefix": "x"}).streams.enriched == (
        "x:articles:enriched"
    )


def test_child_env_round_trips_except_the_consumer_name() -> None:
    settings = Settings(redis_url="redis://h:1/0", log_json=False, consumer_name="me")
    env = settings.child_env()
    assert "CONSUMER_NAME" not in env
    assert env["LOG_JSON"] == "false"
    assert env["REDIS_URL"] == "redis://h:1/0"


def test_services_need_a_redis_url() -> None:
    with pytest.raises(RuntimeError, match="REDIS_URL is not set"):
        Settings(redis_url=None).require_redis_url()
