"""Services started while Redis or the database is down wait for them instead of exiting, and
`newswire up` keeps its services running (processes; the servers reached through a forwarder
the test opens late)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx
import pytest
from redis.asyncio import Redis

from newswire.processes import ServiceProcess
from newswire.up import HEALTH_PORTS
from services.store.database import open_repository
from shared.settings import Settings
from tests.conftest import ROOT
from tests.helpers import enriched_article, free_port, publish_events
from tests.tcpproxy import forwarding

pytestmark = pytest.mark.e2e

_WAIT_S = 180


def _moved(url: str, port: int) -> tuple[str, str, int]:
    """`url` pointed at 127.0.0.1:`port` instead, and the host and port it named."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@127.0.0.1:{port}" if userinfo else f"127.0.0.1:{port}"
    default = 6379 if parts.scheme.startswith("redis") else 5432
    return urlunsplit(parts._replace(netloc=netloc)), parts.hostname or "", parts.port or default


async def _readiness(client: httpx.AsyncClient, port: int) -> tuple[int, dict[str, bool]]:
    try:
        response = await client.get(f"http://127.0.0.1:{port}/readyz")
    except httpx.TransportError:
        return 0, {}
    return response.status_code, response.json()


async def _wait_for(
    what: str, check: Callable[[], Awaitable[bool]], *alive: ServiceProcess
) -> None:
    deadline = time.monotonic() + _WAIT_S
    while not await check():
        for proc in alive:
            assert proc.exit_code is None, proc.log_tail()
        assert time.monotonic() < deadline, what
        await anyio.sleep(0.2)


async def test_the_store_waits_for_redis_and_the_database_then_works(
    settings: Settings, postgres_database: str, redis_client: Redis, tmp_path: Path
) -> None:
    redis_front, database_front = free_port(), free_port()
    redis_url, redis_host, redis_port = _moved(settings.require_redis_url(), redis_front)
    database_url, database_host, database_port = _moved(postgres_database, database_front)
    health = free_port()
    env = {
        **settings.child_env(),
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "HEALTH_PORT": str(health),
    }
    store = ServiceProcess("store", env, tmp_path / "logs")
    try:
        async with httpx.AsyncClient(timeout=5) as client:

            async def refused(check: str) -> bool:
                status, checks = await _readiness(client, health)
                return status == 503 and checks.get(check) is False

            async def logged_twice() -> bool:
                return store.log_tail(200).count("dependency unreachable at start-up") >= 2

            # Nothing answers: the process lives, not ready, and keeps trying.
            await _wait_for("waiting on redis", logged_twice, store)
            assert await refused("redis")
            async with forwarding(redis_front, redis_host, redis_port):
                await _wait_for("redis answers, the database not", lambda: refused("database"))
                assert store.exit_code is None
                async with forwarding(database_front, database_host, database_port):

                    async def ready() -> bool:
                        return (await _readiness(client, health))[0] == 200

                    await _wait_for("ready once both answer", ready, store)
                    article = enriched_article("after-the-outage")
                    await publish_events(redis_client, settings.streams.enriched, [article])

                    async def stored() -> bool:
                        repository = await open_repository(postgres_database)
                        try:
                            return await repository.count() == 1
                        finally:
                            await repository.close()

                    await _wait_for("the article stored", stored, store)
                    # In a thread: the forwarders run on this event loop, and the store's
                    # clean stop talks to both servers through them.
                    assert await anyio.to_thread.run_sync(store.stop) == 0
    finally:
        store.stop()
    assert "dependency unreachable at start-up" in store.log_tail(400)


def _start_up(env: dict[str, str], output: Path, logs: Path) -> subprocess.Popen[bytes]:
    with output.open("w") as out:
        return subprocess.Popen(
            [Path(sys.executable).parent / "newswire", "up", "--no-feeds", "--logs", logs],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _logs(folder: Path) -> str:
    return "".join(path.read_text() for path in folder.glob("*.log"))


async def test_up_outlives_an_outage_and_restarts_a_service_that_dies(
    settings: Settings, tmp_path: Path
) -> None:
    front = free_port()
    redis_url, redis_host, redis_port = _moved(settings.require_redis_url(), front)
    output = tmp_path / "up.out"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "STREAM_PREFIX": settings.stream_prefix,
        "DATABASE_URL": settings.database_url,
    }
    up = _start_up(env, output, tmp_path)
    try:
        async with httpx.AsyncClient(timeout=5) as client:

            async def all_ready() -> bool:
                assert up.poll() is None, output.read_text()
                ports = [HEALTH_PORTS[name] for name in ("enrich", "stories", "store")]
                return all([(await _readiness(client, port))[0] == 200 for port in ports])

            async def waiting() -> bool:
                assert up.poll() is None, output.read_text()
                return _logs(tmp_path).count("dependency unreachable at start-up") >= 3

            await _wait_for("the services wait for redis", waiting)
            async with forwarding(front, redis_host, redis_port):
                await _wait_for("ready once redis answers", all_ready)
                store_pid = int(output.read_text().split("store: pid ")[1].split(",")[0])
                os.kill(store_pid, signal.SIGKILL)

                async def restarted() -> bool:
                    return "store: restarted" in output.read_text() and await all_ready()

                await _wait_for("the store restarted", restarted)
                up.send_signal(signal.SIGTERM)
                code = await anyio.to_thread.run_sync(lambda: up.wait(timeout=120))
    finally:
        if up.poll() is None:
            up.kill()
            up.wait()
    assert code == 0, output.read_text()
    assert "store exited with code -9" in output.read_text()
