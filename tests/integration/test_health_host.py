"""The health endpoints listen on HEALTH_HOST only."""

from __future__ import annotations

import httpx
import pytest

from shared.health import side_door
from shared.metrics import ServiceMetrics
from shared.settings import Settings
from tests.helpers import free_port


async def test_endpoints_listen_only_on_the_configured_address(settings: Settings) -> None:
    port = free_port()
    # 127.0.0.2 is loopback too, yet a different address: a listener on it is not on 127.0.0.1.
    chosen = settings.model_copy(update={"health_host": "127.0.0.2", "health_port": port})
    async with (
        side_door(chosen, ServiceMetrics("test"), service="test"),
        httpx.AsyncClient(timeout=5) as client,
    ):
        answer = await client.get(f"http://127.0.0.2:{port}/healthz")
        assert answer.status_code == 200
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/healthz")
