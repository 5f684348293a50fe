"""Where the tests find real servers: the environment, testcontainers, or a private one."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import asyncpg

from shared.embedded_redis import embedded_redis

LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def docker_engine_answers() -> bool:
    """True when a Docker engine (not just the client) is reachable."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and bool(result.stdout.strip())


@contextmanager
def redis_server() -> Iterator[str]:
    """REDIS_URL if set; else a testcontainers Redis when Docker answers; else a private Valkey."""
    if url := os.environ.get("REDIS_URL"):
        yield url
    elif docker_engine_answers():
        from testcontainers.redis import RedisContainer

        with RedisContainer(os.environ.get("REDIS_IMAGE", "redis:7.4-alpine")) as container:
            host = container.get_container_host_ip()
            yield f"redis://{host}:{container.get_exposed_port(6379)}"
    else:
        with embedded_redis() as url:
            yield url


@contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server URL: DATABASE_URL if it is one; else testcontainers; else local."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgresql://", "postgres://")):
        yield url
    elif docker_engine_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
    else:
        yield os.environ.get("LOCAL_POSTGRES_URL", LOCAL_POSTGRES)


async def create_database(server_url: str) -> str:
    """Create a throw-away database on the server; return its URL."""
    name = f"newswire_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


async def drop_database(server_url: str, database_url: str) -> None:
    """Drop a database made by `create_database`."""
    name = database_url.rpartition("/")[2]
    conn = await asyncpg.connect(server_url)
    try:
        with suppress(asyncpg.PostgresError):
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
