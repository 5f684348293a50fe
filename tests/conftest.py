"""Shared fixtures: real servers once per session, isolated names per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from shared.settings import Settings
from tests.helpers import delete_prefix
from tests.servers import create_database, drop_database, postgres_server, redis_server

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """One real Redis for the session; tests keep apart by key prefix."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the session; each test gets its own database."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def stream_prefix() -> str:
    """A key prefix no other test uses, so tests sharing a server never see each other's data."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings(redis_url: str, stream_prefix: str, tmp_path: Path) -> Settings:
    """Settings pointing at the session's Redis, a private prefix and a private SQLite file."""
    return Settings(
        redis_url=redis_url,
        stream_prefix=stream_prefix,
        database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}",
        consumer_name=f"test-consumer-{uuid.uuid4().hex[:6]}",
        # Tests read streams back after the services are done; trimming has its own tests.
        trim_streams=False,
        health_port=0,  # many services run at once in tests; the endpoints have their own test
        # The test feed servers listen on loopback; the refusal has its own tests.
        feed_allow_private_networks=True,
    )


@pytest.fixture
async def redis_client(redis_url: str, stream_prefix: str) -> AsyncIterator[Redis]:
    """A client to the session's Redis; the test's keys are deleted afterwards."""
    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await delete_prefix(client, stream_prefix)
        await client.aclose()


@pytest.fixture
async def postgres_database(postgres_url: str) -> AsyncIterator[str]:
    """A throw-away PostgreSQL database URL, dropped after the test."""
    url = await create_database(postgres_url)
    try:
        yield url
    finally:
        await drop_database(postgres_url, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store backend in turn: a SQLite file in a fresh folder, a throw-away PG database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'dir' / 'store.sqlite3'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
def sync_redis(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[SyncRedis]:
    """For tests of `newswire` commands, which run their own event loop: the command's
    environment points at the test's Redis, prefix and database, and a synchronous client
    (the test's keys deleted afterwards)."""
    monkeypatch.setenv("REDIS_URL", settings.require_redis_url())
    monkeypatch.setenv("STREAM_PREFIX", settings.stream_prefix)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("FEED_ALLOW_PRIVATE_NETWORKS", str(settings.feed_allow_private_networks))
    client = SyncRedis.from_url(settings.require_redis_url())
    try:
        yield client
    finally:
        keys = list(client.scan_iter(match=f"{settings.stream_prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
