"""Each service's /healthz, /readyz and /metrics, served by the running process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import anyio
import httpx
import pytest
from redis.asyncio import Redis

from newswire.processes import ServiceProcess
from shared.settings import Settings
from tests.helpers import enriched_article, free_port

pytestmark = pytest.mark.e2e

# What each service checks besides Redis and its group.
OWN_CHECKS = {"enrich": {"model"}, "store": {"database"}, "stories": {"lease"}}


def _dead_letter_counted(service: str) -> str:
    return f'newswire_dead_letters_total{{stage="{service}"}} 1.0'


async def _get_when_up(client: httpx.AsyncClient, url: str, proc: ServiceProcess) -> httpx.Response:
    deadline = time.monotonic() + 120
    while True:
        assert proc.exit_code is None, proc.log_tail()
        try:
            return await client.get(url)
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{url} never answered"
            await anyio.sleep(0.2)


async def _ready(client: httpx.AsyncClient, base: str, proc: ServiceProcess) -> dict[str, bool]:
    deadline = time.monotonic() + 120
    while True:
        response = await _get_when_up(client, f"{base}/readyz", proc)
        if response.status_code == 200:
            checks: dict[str, bool] = response.json()
            return checks
        assert response.status_code == 503
        assert time.monotonic() < deadline, response.text
        await anyio.sleep(0.2)


@pytest.mark.parametrize("service", ["store", "enrich", "stories"])
async def test_endpoints_answer_and_metrics_count_the_work(
    service: str, settings: Settings, redis_client: Redis, tmp_path: Path
) -> None:
    port = free_port()
    env = {**settings.child_env(), "HEALTH_PORT": str(port)}
    proc = ServiceProcess(service, env, tmp_path / "logs")
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            alive = await _get_when_up(client, f"{base}/healthz", proc)
            assert (alive.status_code, alive.text) == (200, "ok\n")
            checks = await _ready(client, base, proc)
            assert set(checks) == {"redis", "group", *OWN_CHECKS[service]}
            assert all(checks.values())
            streams = settings.streams
            feeds = {"store": streams.enriched, "stories": streams.analysed}
            if service in feeds:
                event = enriched_article("m1").model_dump_json()
                await redis_client.xadd(feeds[service], {"__data__": event})
                await redis_client.xadd(feeds[service], {"__data__": b"{bad"})
            deadline = time.monotonic() + 60
            while True:
                metrics = (await client.get(f"{base}/metrics")).text
                if service == "enrich" or _dead_letter_counted(service) in metrics:
                    break
                assert time.monotonic() < deadline, metrics
                await anyio.sleep(0.2)
            assert (await client.get(f"{base}/nowhere")).status_code == 404
    finally:
        assert proc.stop() == 0
    assert f'newswire_stream_length{{stream="{settings.streams.enriched}"}}' in metrics
    assert "newswire_group_pending" in metrics
    if service != "enrich":
        assert _dead_letter_counted(service) in metrics
        assert "newswire_received_messages_total" in metrics
    lines = [json.loads(line) for line in proc.log_path.read_text().splitlines()]
    assert any(r["event"] == "health endpoints served" for r in lines)
